package io.tinyfleet.cli;

import picocli.CommandLine;

/** Reports the TinyFleet version from the jar manifest (or "dev" when run from classes). */
public final class Version implements CommandLine.IVersionProvider {

    /** The version string of this build. */
    public static String current() {
        String v = TinyFleet.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"tinyfleet " + current(), "Java " + System.getProperty("java.version")};
    }
}

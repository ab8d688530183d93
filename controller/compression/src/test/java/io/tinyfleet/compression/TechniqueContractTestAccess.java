package io.tinyfleet.compression;

/** Lets tests in other packages use the contract test's small labelled context. */
public final class TechniqueContractTestAccess {

    private TechniqueContractTestAccess() {
    }

    /** Seed 42 and small labelled images shaped for the named tiny model. */
    public static TechniqueContext context(String modelName) {
        return TechniqueContractTest.contextFor(modelName);
    }
}

package io.tinyfleet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tinyfleet} command: one entry point for everything a person runs.
 *
 * <p>Each verb is a subcommand class in this package (or, for the agent, in the agent module so
 * a device can run it alone). Verbs that produce results accept {@code --json}.
 */
@Command(name = "tinyfleet",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Compress ONNX models, ship them over MQTT to small devices, measure them there.",
        subcommands = {
                CommandLine.HelpCommand.class,
                ControllerCommand.class, io.tinyfleet.agent.AgentCommand.class, DevicesCommand.class, DemoCommand.class,
                io.tinyfleet.cli.bench.BenchCommand.class,
                DeployCommand.class, RolloutsCommand.class,
                SearchCommand.class, StudyCommand.class,
                TrainCommand.class,
                CompressCommand.class,
                InspectCommand.class, EvalCommand.class,
        })
public final class TinyFleet implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with the project's error handling. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TinyFleet());
        cl.setExecutionExceptionHandler(new CliErrors());
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}

package io.tinyfleet.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.proto.v1.DeviceBirth;
import io.tinyfleet.runtime.hw.SystemRoots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Tags an agent declares: from --tag flags or the config file, checked, sent in its birth. */
class AgentTagsTest {

    @Test
    void repeatedTagFlags_areSortedWithoutDuplicates_andSentInTheBirth(@TempDir Path home) throws Exception {
        Files.createDirectories(home.resolve("proc"));
        Files.writeString(home.resolve("proc/cpuinfo"), "processor\t: 0\nmodel name\t: Fixture CPU\n");
        Files.writeString(home.resolve("proc/meminfo"), "MemTotal: 1024 kB\n");
        AgentCommand cmd = new AgentCommand();
        new CommandLine(cmd).parseArgs("--broker", "tcp://127.0.0.1:2883", "--id", "dev-1", "--home", home.toString(),
                "--tag", "lab", "--tag", "eu-west", "--tag", "lab");
        AgentConfig c = cmd.toConfig();
        assertEquals(List.of("eu-west", "lab"), c.tags());
        DeviceBirth b = Agent.birthTemplate(c, null,
                new io.tinyfleet.runtime.hw.HardwareProbe(SystemRoots.under(home), false).inventory());
        assertEquals(List.of("eu-west", "lab"), b.getTagsList());
    }

    @Test
    void tagsFromTheConfigFile_areReplacedByFlags(@TempDir Path home) throws Exception {
        Path file = home.resolve("agent.properties");
        Files.writeString(file, "broker=tcp://127.0.0.1:1883\nid=dev-2\nhome=" + home + "\ntags=shop, floor-2 ,\n");
        assertEquals(List.of("floor-2", "shop"), AgentConfig.load(file, java.util.Map.of()).tags());
        AgentCommand cmd = new AgentCommand();
        new CommandLine(cmd).parseArgs("--config", file.toString(), "--tag", "canary");
        assertEquals(List.of("canary"), cmd.toConfig().tags());
        assertEquals(List.of(), AgentConfig.of(java.util.Map.of(AgentConfig.BROKER, "tcp://h:1", AgentConfig.ID, "d",
                AgentConfig.HOME, home.toString()), "test").tags());
    }

    @Test
    void aBadTag_isRefusedNamingIt(@TempDir Path home) {
        AgentCommand cmd = new AgentCommand();
        new CommandLine(cmd).parseArgs("--broker", "tcp://127.0.0.1:2883", "--id", "dev-1", "--home", home.toString(),
                "--tag", "lab/1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, cmd::toConfig);
        assertTrue(e.getMessage().contains("'tags'") && e.getMessage().contains("'lab/1'"), e.getMessage());
    }
}

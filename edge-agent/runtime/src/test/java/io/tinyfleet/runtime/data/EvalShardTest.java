package io.tinyfleet.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalShardTest {

    @TempDir
    Path dir;

    static LabeledImages data() {
        int n = 100;
        byte[] px = new byte[n * 4];
        byte[] lb = new byte[n];
        for (int i = 0; i < n; i++) {
            lb[i] = (byte) (i % 5);
            px[i * 4] = (byte) i;
        }
        return LabeledImages.of(2, 2, px, lb);
    }

    @Test
    void draw_takesTheSameNumberOfEveryClass_andRoundTrips() {
        EvalShard s = EvalShard.draw(data(), "tiny", Split.TEST, 3, 9, new Preprocessing(1f, 0f, 1f));
        assertEquals(15, s.spec().count());
        int[] perClass = new int[5];
        for (int i = 0; i < s.images().count(); i++) {
            perClass[s.images().label(i)]++;
        }
        assertEquals("[3, 3, 3, 3, 3]", java.util.Arrays.toString(perClass));
        Path f = dir.resolve("a.tfshard");
        s.write(f);
        assertTrue(EvalShard.isShard(f));
        EvalShard back = EvalShard.read(f);
        assertEquals(s.spec(), back.spec());
        assertEquals(s.images().sha256(), back.images().sha256());
        assertEquals(1f, back.spec().preprocessing().scale());
    }

    @Test
    void draw_isDeterministicForASeed() {
        LabeledImages d = data();
        assertEquals(EvalShard.draw(d, "t", Split.TEST, 2, 1, Preprocessing.DEFAULT).spec().payloadSha256(),
                EvalShard.draw(d, "t", Split.TEST, 2, 1, Preprocessing.DEFAULT).spec().payloadSha256());
    }

    @Test
    void read_refusesATamperedPayload() throws IOException {
        Path f = dir.resolve("b.tfshard");
        EvalShard.draw(data(), "tiny", Split.TEST, 2, 1, Preprocessing.DEFAULT).write(f);
        byte[] b = Files.readAllBytes(f);
        b[b.length - 1] ^= 1;
        Files.write(f, b);
        String msg = assertThrows(IllegalArgumentException.class, () -> EvalShard.read(f)).getMessage();
        assertTrue(msg.contains("does not match"), msg);
    }

    @Test
    void read_refusesAFileThatIsNotAShard() throws IOException {
        Path f = dir.resolve("c.tfshard");
        Files.writeString(f, "hello world, not a shard");
        String msg = assertThrows(IllegalArgumentException.class, () -> EvalShard.read(f)).getMessage();
        assertTrue(msg.contains("not an eval shard"), msg);
    }
}

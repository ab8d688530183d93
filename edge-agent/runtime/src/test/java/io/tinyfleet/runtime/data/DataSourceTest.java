package io.tinyfleet.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSourceTest {

    @TempDir
    Path dir;

    @Test
    void open_readsAnIdxFolder_withDefaultPreprocessing() throws IOException {
        LabeledImagesTest.writeIdx(dir, "t10k", 4, true);
        DataSource ds = DataSource.open(dir.toString(), Split.TEST);
        assertEquals(4, ds.images().count());
        assertEquals(Preprocessing.DEFAULT, ds.preprocessing());
    }

    @Test
    void open_readsAShard_withThePreprocessingItsSpecDeclares() {
        LabeledImages d = LabeledImages.of(1, 1, new byte[] {1, 2, 3, 4}, new byte[] {0, 1, 0, 1});
        Path f = dir.resolve("s.tfshard");
        EvalShard.draw(d, "tiny", Split.TEST, 1, 5, new Preprocessing(1f, 0.5f, 2f)).write(f);
        DataSource ds = DataSource.open(f.toString(), Split.TRAIN);
        assertEquals(2, ds.images().count());
        assertEquals(new Preprocessing(1f, 0.5f, 2f), ds.preprocessing());
    }

    @Test
    void open_namesAMissingFolder() {
        String msg = assertThrows(IllegalArgumentException.class,
                () -> DataSource.open(dir.resolve("nope").toString(), Split.TEST)).getMessage();
        assertEquals("dataset folder " + dir.resolve("nope") + " does not exist", msg);
    }
}

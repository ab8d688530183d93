package io.tinyfleet.compression.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import io.tinyfleet.compression.train.GradientBuilder;
import io.tinyfleet.compression.train.Loss;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.session.Ort;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The built-in architectures: sizes, shapes, students, and that each has a training graph. */
class ArchitecturesTest {

    private static long[] runShape(OnnxModel m, int n) throws Exception {
        try (OrtSession s = Ort.env().createSession(m.toBytes());
             OnnxTensor t = OnnxTensor.createTensor(Ort.env(), FloatBuffer.wrap(new float[n * 784]), new long[] {n, 1, 28, 28});
             OrtSession.Result r = s.run(Map.of(Architectures.INPUT, t))) {
            return ((OnnxTensor) r.get(Architectures.OUTPUT).get()).getInfo().getShape();
        }
    }

    @Test
    void baselines_haveTheDocumentedSizes_andMapImagesToTenLogits() throws Exception {
        assertEquals(266_610, Architectures.parameters(Architectures.build(ArchSpec.of("mlp"), 1)));
        assertEquals(61_706, Architectures.parameters(Architectures.build(ArchSpec.of("lenet5"), 1)));
        long mobile = Architectures.parameters(Architectures.build(ArchSpec.of("mobile"), 1));
        assertTrue(mobile > 90_000 && mobile < 110_000, "mobile has about 100k parameters: " + mobile);
        for (String a : ArchSpec.ARCHS) {
            OnnxModel m = Architectures.build(ArchSpec.of(a), 1);
            assertEquals(3, runShape(m, 3)[0]);
            assertEquals(10, runShape(m, 3)[1]);
            assertTrue(GradientBuilder.build(m, null, new Loss.SoftmaxCrossEntropy(), 4, 1).gradients().size() > 3);
        }
    }

    @Test
    void students_areNarrowerAndShallower() throws Exception {
        for (String a : ArchSpec.ARCHS) {
            long base = Architectures.parameters(Architectures.build(ArchSpec.of(a), 1));
            ArchSpec s = ArchSpec.parse(a + ":width=0.5,depth=1");
            OnnxModel m = Architectures.build(s, 1);
            assertTrue(Architectures.parameters(m) < base / 2, a + " student smaller");
            assertEquals(10, runShape(m, 2)[1]);
        }
    }

    @Test
    void sameSeed_sameWeights_andBadSpecsNameTheProblem() {
        assertEquals(Architectures.build(ArchSpec.of("lenet5"), 5).sha256(), Architectures.build(ArchSpec.of("lenet5"), 5).sha256());
        var e = assertThrows(IllegalArgumentException.class, () -> ArchSpec.parse("resnet"));
        assertTrue(e.getMessage().contains("'resnet'"));
        var e2 = assertThrows(IllegalArgumentException.class, () -> ArchSpec.parse("mlp:width=0"));
        assertTrue(e2.getMessage().contains("width"));
        var e3 = assertThrows(IllegalArgumentException.class, () -> ArchSpec.parse("mlp:colour=3"));
        assertTrue(e3.getMessage().contains("colour"));
    }
}

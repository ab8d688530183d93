package io.tinyfleet.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.SharedModels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SharedModelsEvalTest {

    /** The four sample digits; the file name is the label. */
    static LabeledImages mnistSamples() throws IOException {
        List<Integer> digits = List.of(0, 3, 5, 7);
        byte[] px = new byte[digits.size() * 28 * 28];
        byte[] lb = new byte[digits.size()];
        for (int k = 0; k < digits.size(); k++) {
            Path f = SharedModels.file("mnist_sample_" + digits.get(k) + ".jpg");
            BufferedImage img = ImageIO.read(f.toFile());
            assertEquals(28, img.getWidth(), f.toString());
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    int rgb = img.getRGB(x, y);
                    int grey = (((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF)) / 3;
                    px[k * 784 + y * 28 + x] = (byte) grey;
                }
            }
            lb[k] = (byte) (int) digits.get(k);
        }
        return LabeledImages.of(28, 28, px, lb);
    }

    @Test
    void mnist_classifiesTheFourSampleDigits_onRawPixels() throws IOException {
        EvalReport r = Evaluator.evaluate(OnnxModel.load(SharedModels.file("mnist.onnx")),
                EvalOptions.on(mnistSamples(), "mnist samples").withPreprocessing(new Preprocessing(1f, 0f, 1f))
                        .withRuns(1, 3));
        assertEquals(4, r.samples());
        assertEquals(1.0, r.accuracy());
        assertEquals(1, r.batch());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mnist.onnx", "ultraface_version-RFB-320.onnx", "super_resolution_core_derived.onnx"})
    void standardOpModels_evaluateOnRandomInputs(String name) {
        EvalReport r = Evaluator.evaluate(OnnxModel.load(SharedModels.file(name)), EvalOptions.random().withRuns(1, 2));
        assertEquals(2, r.latencyMs().runs());
        assertTrue(r.latencyMs().p50() > 0);
    }

    @Test
    void superResolutionWithExtensions_isRefused_namingTheDomain() {
        OnnxModel m = OnnxModel.load(SharedModels.file("super_resolution_supres.onnx"));
        String msg = assertThrows(IllegalArgumentException.class,
                () -> Evaluator.evaluate(m, EvalOptions.random())).getMessage();
        assertTrue(msg.contains("ai.onnx.contrib"), msg);
    }

    @Test
    void ultraface_onImages_namesBothShapes() throws IOException {
        OnnxModel m = OnnxModel.load(SharedModels.file("ultraface_version-RFB-320.onnx"));
        String msg = assertThrows(IllegalArgumentException.class,
                () -> Evaluator.evaluate(m, EvalOptions.on(mnistSamples(), "fashion-mnist"))).getMessage();
        assertEquals("model input 'input' expects [1,3,240,320] but fashion-mnist gives [1,1,28,28]", msg);
    }
}

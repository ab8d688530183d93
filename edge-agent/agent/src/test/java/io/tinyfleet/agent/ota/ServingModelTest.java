package io.tinyfleet.agent.ota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tinyfleet.runtime.model.TinyModels;
import io.tinyfleet.runtime.session.ModelRuntime;
import io.tinyfleet.runtime.session.RuntimeOptions;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ServingModelTest {

    @Test
    void swap_closesTheOldSessionOnlyAfterInFlightCallsFinish() throws Exception {
        ModelRuntime old = ModelRuntime.open(TinyModels.brightestPixel(1), RuntimeOptions.defaults());
        ModelRuntime next = ModelRuntime.open(TinyModels.brightestPixel(1), RuntimeOptions.defaults());
        try (ServingModel serving = new ServingModel()) {
            serving.swap(old, "old");
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch swapped = new CountDownLatch(1);
            Thread caller = new Thread(() -> serving.use(rt -> {
                inside.countDown();
                try {
                    swapped.await(5, TimeUnit.SECONDS);
                    var inputs = HealthChecker.syntheticInputs(rt);
                    rt.run(inputs).close(); // still open: the swap waited for us
                    inputs.values().forEach(ai.onnxruntime.OnnxTensor::close);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                return null;
            }));
            caller.start();
            inside.await(5, TimeUnit.SECONDS);
            serving.swap(next, "new");
            assertEquals("new", serving.modelId().orElseThrow());
            swapped.countDown();
            caller.join(5000);
            assertThrows(IllegalStateException.class, () -> old.run(Map.of()), "old runtime closed after the call");
            assertEquals("new", serving.use(rt -> rt == next ? "new" : "other"));
        }
    }
}

package io.tinyfleet.compression.quantize.common;

import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.session.ModelRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Records in a model's {@code metadata_props} the ONNX Runtime graph optimisers it must run without
 * ({@value ModelRuntime#SESSION_DISABLE_OPTIMIZERS}; {@code ModelRuntime} applies it on load). ORT reads
 * {@code optimization.disable_specified_optimizers} as a list separated by {@code ';'} (a comma does not
 * split it: checked on ORT 1.23), so settings from several steps are merged, not overwritten.
 */
public final class SessionSettings {

    private SessionSettings() {
    }

    /** {@code model} also asking ORT to skip the optimiser {@code name} (the same model if it already does). */
    public static OnnxModel disableOptimizer(OnnxModel model, String name) {
        String now = model.metadata().getOrDefault(ModelRuntime.SESSION_DISABLE_OPTIMIZERS, "");
        List<String> names = new ArrayList<>(Arrays.stream(now.split(";")).map(String::strip).filter(s -> !s.isEmpty())
                .toList());
        if (names.contains(name)) {
            return model;
        }
        names.add(name);
        return model.withMetadata(ModelRuntime.SESSION_DISABLE_OPTIMIZERS, String.join(";", names));
    }
}

package io.tinyfleet.compression;

import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import java.util.Objects;

/**
 * Everything a technique may use besides the model and its config.
 *
 * @param seed               random seed; mandatory, recorded in provenance
 * @param dataName           name of the dataset for provenance ({@code fashion-mnist}, a folder, {@code none})
 * @param train              training split: fine-tuning and a fixed-seed calibration sample come from it;
 *                           null when no data was given (calibration then uses seeded random inputs and says so)
 * @param validation         held-out labelled data for accuracy-driven choices (mixed precision, rank by
 *                           accuracy); null when none
 * @param preprocessing      pixel to model input
 * @param calibrationSamples how many training images calibrate activation ranges
 * @param progress           progress sink for long steps
 * @param fineTuner          trainer adapter for {@code finetune=N}, or null when none is available
 */
public record TechniqueContext(long seed, String dataName, LabeledImages train, LabeledImages validation,
                               Preprocessing preprocessing, int calibrationSamples, Progress progress,
                               FineTuner fineTuner) {

    /** Validates. */
    public TechniqueContext {
        Objects.requireNonNull(preprocessing, "preprocessing");
        if (calibrationSamples < 1) {
            throw new IllegalArgumentException("calibrationSamples must be >= 1, got " + calibrationSamples);
        }
        if (dataName == null) {
            dataName = train == null ? "none" : "data";
        }
        if (progress == null) {
            progress = Progress.NONE;
        }
    }

    /** No data, default preprocessing, 64 random calibration samples: for tests and data-free steps. */
    public static TechniqueContext dataFree(long seed) {
        return new TechniqueContext(seed, "none", null, null, Preprocessing.DEFAULT, 64, Progress.NONE, null);
    }

    /** A copy with another fine-tuner. */
    public TechniqueContext withFineTuner(FineTuner f) {
        return new TechniqueContext(seed, dataName, train, validation, preprocessing, calibrationSamples, progress, f);
    }

    /** A copy with another progress sink. */
    public TechniqueContext withProgress(Progress p) {
        return new TechniqueContext(seed, dataName, train, validation, preprocessing, calibrationSamples, p, fineTuner);
    }

    /** The fine-tuner, or a clear refusal when none is available. */
    public FineTuner requireFineTuner() {
        if (fineTuner == null) {
            throw new IllegalStateException("fine-tuning needs the trainer (not yet available)");
        }
        if (train == null) {
            throw new IllegalStateException("fine-tuning needs training data: give --data");
        }
        return fineTuner;
    }
}

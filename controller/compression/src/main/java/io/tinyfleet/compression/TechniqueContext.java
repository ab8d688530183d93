package io.tinyfleet.compression;

import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Everything a technique may use besides the model and its config.
 *
 * @param seed               random seed; mandatory, recorded in provenance
 * @param dataName           name of the dataset for provenance ({@code fashion-mnist}, a folder, {@code none})
 * @param train              training split: fine-tuning and a fixed-seed calibration sample come from it;
 *                           null when no data was given (calibration then uses seeded random inputs and says so)
 * @param validation         labelled images held out of {@code train} for accuracy-driven choices (mixed
 *                           precision) and distillation progress; never the test split the results are
 *                           judged on (see {@link #onTrainingSplit}); null when none
 * @param preprocessing      pixel to model input
 * @param calibrationSamples how many training images calibrate activation ranges
 * @param progress           progress sink for long steps
 * @param fineTuner          trainer adapter for {@code finetune=N}, or null when none is available
 */
public record TechniqueContext(long seed, String dataName, LabeledImages train, LabeledImages validation,
                               Preprocessing preprocessing, int calibrationSamples, Progress progress,
                               FineTuner fineTuner) {

    /** Training images held out for validation by {@link #trainValidation}. */
    public static final int VALIDATION_SAMPLES = 5000;

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

    /**
     * Splits a training set: all but the last {@link #VALIDATION_SAMPLES} images (a tenth at most)
     * train, the rest validate. Fixed, not random, so the same data gives the same split everywhere.
     */
    public static LabeledImages[] trainValidation(LabeledImages train) {
        int n = train.count();
        int v = Math.min(VALIDATION_SAMPLES, n / 10);
        return new LabeledImages[]{train.subset(IntStream.range(0, n - v).toArray()),
                train.subset(IntStream.range(n - v, n).toArray())};
    }

    /**
     * The context {@code compress} and {@code demo} give techniques. With {@code holdOut} (a step
     * {@link CompressionTechnique#choosesOnValidation chooses by accuracy}), the last
     * {@link #VALIDATION_SAMPLES} training images are held out of fine-tuning and calibration and serve as
     * validation, as in {@code search}; without it every training image fine-tunes and there is no
     * validation. Either way the test split never reaches a technique, so the accuracy measured on it
     * after a step such as {@code quantize:mixed,budget=0.5} is not the accuracy the step chose by.
     *
     * @param train the whole training split, or null when no data was given
     */
    public static TechniqueContext onTrainingSplit(long seed, String dataName, LabeledImages train, boolean holdOut,
                                                   Preprocessing preprocessing, int calibrationSamples,
                                                   Progress progress, FineTuner fineTuner) {
        LabeledImages[] tv = train == null ? new LabeledImages[2]
                : holdOut ? trainValidation(train) : new LabeledImages[]{train, null};
        return new TechniqueContext(seed, dataName, tv[0], tv[1], preprocessing, calibrationSamples, progress,
                fineTuner);
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

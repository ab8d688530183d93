package io.tinyfleet.compression;

/** Connects {@code finetune=N} of compression steps to the trainer in {@code io.tinyfleet.compression.train}. */
public final class FineTuners {

    private FineTuners() {
    }

    /** The fine-tuner, or null while the trainer is not available (steps then refuse finetune=N clearly). */
    public static FineTuner standard() {
        return null;
    }
}

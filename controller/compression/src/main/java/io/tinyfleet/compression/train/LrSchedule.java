package io.tinyfleet.compression.train;

/**
 * A learning rate as a function of the step (counted from 0) out of {@code totalSteps}, with an
 * optional linear warm-up.
 */
public sealed interface LrSchedule {

    /** The learning rate at {@code step}. */
    float at(long step, long totalSteps);

    /** A constant rate. */
    record Constant(float lr) implements LrSchedule {
        public float at(long step, long total) {
            return lr;
        }
    }

    /** Multiplies the rate by {@code gamma} every {@code everySteps} steps. */
    record Step(float lr, long everySteps, float gamma) implements LrSchedule {
        public Step {
            if (everySteps < 1) {
                throw new IllegalArgumentException("step schedule: everySteps must be >= 1, got " + everySteps);
            }
        }

        public float at(long step, long total) {
            return (float) (lr * Math.pow(gamma, step / everySteps));
        }
    }

    /**
     * Cosine annealing from {@code lr} to {@code minLr} (Loshchilov and Hutter, "SGDR", ICLR 2017,
     * without restarts) after {@code warmupSteps} of linear warm-up.
     */
    record Cosine(float lr, float minLr, long warmupSteps) implements LrSchedule {
        public float at(long step, long total) {
            if (step < warmupSteps) {
                return lr * (step + 1) / warmupSteps;
            }
            long span = Math.max(1, total - warmupSteps);
            double t = Math.min(1.0, (double) (step - warmupSteps) / span);
            return (float) (minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * t)));
        }
    }
}

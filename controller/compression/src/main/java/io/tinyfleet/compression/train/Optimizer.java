package io.tinyfleet.compression.train;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * A first-order optimiser updating parameters in place from their gradients. Deterministic:
 * no randomness, plain float arithmetic in a fixed order. State (moments) is kept per parameter
 * name. Create one instance per training run.
 */
public abstract sealed class Optimizer permits Optimizer.Sgd, Optimizer.Adam {

    final float weightDecay;
    final Map<String, float[][]> state = new HashMap<>();

    Optimizer(float weightDecay) {
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
        }
        this.weightDecay = weightDecay;
    }

    /** One update of {@code param} (length n) with gradient {@code grad} at learning rate {@code lr}; step counts from 1. */
    public abstract void update(String name, FloatBuffer param, FloatBuffer grad, int n, float lr, long step);

    float[][] state(String name, int slots, int n) {
        return state.computeIfAbsent(name, k -> new float[slots][n]);
    }

    /**
     * SGD with (optionally Nesterov) momentum and L2 weight decay added to the gradient
     * (Sutskever et al., "On the importance of initialization and momentum in deep learning", ICML 2013).
     */
    public static final class Sgd extends Optimizer {
        private final float momentum;
        private final boolean nesterov;

        public Sgd(float momentum, boolean nesterov, float weightDecay) {
            super(weightDecay);
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("momentum must be in [0,1), got " + momentum);
            }
            this.momentum = momentum;
            this.nesterov = nesterov;
        }

        @Override
        public void update(String name, FloatBuffer p, FloatBuffer g, int n, float lr, long step) {
            float[] v = state(name, 1, n)[0];
            for (int i = 0; i < n; i++) {
                float gi = g.get(i) + weightDecay * p.get(i);
                v[i] = momentum * v[i] + gi;
                float d = nesterov ? gi + momentum * v[i] : v[i];
                p.put(i, p.get(i) - lr * d);
            }
        }

        @Override
        public String toString() {
            return "sgd(momentum=" + momentum + (nesterov ? ",nesterov" : "") + ",wd=" + weightDecay + ")";
        }
    }

    /**
     * Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015); with
     * {@code decoupled} the weight decay is AdamW's (Loshchilov and Hutter, "Decoupled Weight
     * Decay Regularization", ICLR 2019), otherwise L2 added to the gradient.
     */
    public static final class Adam extends Optimizer {
        private final float beta1;
        private final float beta2;
        private final float eps;
        private final boolean decoupled;

        public Adam(float beta1, float beta2, float eps, float weightDecay, boolean decoupled) {
            super(weightDecay);
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.decoupled = decoupled;
        }

        /** Adam with the usual betas (0.9, 0.999) and eps 1e-8. */
        public static Adam standard(float weightDecay, boolean decoupled) {
            return new Adam(0.9f, 0.999f, 1e-8f, weightDecay, decoupled);
        }

        @Override
        public void update(String name, FloatBuffer p, FloatBuffer g, int n, float lr, long step) {
            float[][] s = state(name, 2, n);
            float[] m = s[0];
            float[] v = s[1];
            float c1 = (float) (1 - Math.pow(beta1, step));
            float c2 = (float) (1 - Math.pow(beta2, step));
            float stepSize = lr / c1;
            float sqrtC2 = (float) Math.sqrt(c2);
            for (int i = 0; i < n; i++) {
                float pi = p.get(i);
                float gi = g.get(i);
                if (!decoupled) {
                    gi += weightDecay * pi;
                } else if (weightDecay != 0) {
                    pi -= lr * weightDecay * pi;
                }
                m[i] = beta1 * m[i] + (1 - beta1) * gi;
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
                float denom = (float) Math.sqrt(v[i]) / sqrtC2 + eps;
                p.put(i, pi - stepSize * m[i] / denom);
            }
        }

        @Override
        public String toString() {
            return (decoupled ? "adamw" : "adam") + "(wd=" + weightDecay + ")";
        }
    }
}

package io.tinyfleet.agent.ota;

import io.tinyfleet.runtime.session.ModelRuntime;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The model the agent serves, swappable while inference runs. Callers run inference through
 * {@link #use}, which leases the current runtime; {@link #swap} installs a loaded, warmed runtime
 * and closes the old one only when its last lease is returned, because closing an ORT session
 * during {@code run()} crashes the JVM.
 */
public final class ServingModel implements AutoCloseable {

    private static final class Lease {
        final ModelRuntime runtime;
        final String modelId;
        final AtomicInteger users = new AtomicInteger();
        final AtomicBoolean closed = new AtomicBoolean();
        volatile boolean retired;

        Lease(ModelRuntime runtime, String modelId) {
            this.runtime = runtime;
            this.modelId = modelId;
        }

        void closeIfIdle() {
            if (retired && users.get() == 0 && closed.compareAndSet(false, true)) {
                runtime.close();
            }
        }
    }

    private volatile Lease current;

    /** The id of the model being served, empty when none. */
    public Optional<String> modelId() {
        Lease l = current;
        return l == null ? Optional.empty() : Optional.of(l.modelId);
    }

    /**
     * Runs {@code work} with the current runtime, which stays open until {@code work} returns.
     *
     * @throws IllegalStateException when no model is being served
     */
    public <T> T use(Function<ModelRuntime, T> work) {
        Lease l;
        while (true) {
            l = current;
            if (l == null) {
                throw new IllegalStateException("no model is active on this device");
            }
            l.users.incrementAndGet();
            if (current == l) {
                break;
            }
            l.users.decrementAndGet();
            l.closeIfIdle();
        }
        try {
            return work.apply(l.runtime);
        } finally {
            l.users.decrementAndGet();
            l.closeIfIdle();
        }
    }

    /** Serves {@code next} from now on; the previous runtime closes when its in-flight calls finish. */
    public void swap(ModelRuntime next, String modelId) {
        Lease old;
        synchronized (this) {
            old = current;
            current = new Lease(next, modelId);
        }
        if (old != null) {
            old.retired = true;
            old.closeIfIdle();
        }
    }

    /** In-flight calls on the current model (for tests and diagnostics). */
    public int inFlight() {
        Lease l = current;
        return l == null ? 0 : l.users.get();
    }

    @Override
    public void close() {
        Lease old;
        synchronized (this) {
            old = current;
            current = null;
        }
        if (old != null) {
            old.retired = true;
            old.closeIfIdle();
        }
    }
}

package io.tinyfleet.runtime.profile;

/**
 * A model refused, or a run failed, because the process would not fit in the memory of the device
 * it runs as ({@link MemoryCap}). The message names the device, the figure (estimated or measured)
 * and the budget.
 */
public final class MemoryCapExceededException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final long bytes;
    private final long budgetBytes;
    private final boolean measured;

    /**
     * @param message     the whole explanation
     * @param bytes       the process RSS that would be (estimate) or was (measured) reached
     * @param budgetBytes what the device leaves for the agent
     * @param measured    true when {@code bytes} was measured, false when estimated before loading
     */
    public MemoryCapExceededException(String message, long bytes, long budgetBytes, boolean measured) {
        super(message);
        this.bytes = bytes;
        this.budgetBytes = budgetBytes;
        this.measured = measured;
    }

    /** The RSS reached or expected, in bytes. */
    public long bytes() {
        return bytes;
    }

    /** The budget, in bytes. */
    public long budgetBytes() {
        return budgetBytes;
    }

    /** Whether {@link #bytes()} was measured (after loading) rather than estimated (before). */
    public boolean measured() {
        return measured;
    }
}

/**
 * Device profiles: what a kind of device has (CPU, RAM, storage, accelerator, power, ONNX Runtime
 * setup), with a source for every figure, read from {@code device-profiles/*.yaml}.
 *
 * <p>{@link io.tinyfleet.runtime.profile.DeviceProfile#load(java.nio.file.Path)} validates the whole
 * file and names the offending field in its error, so a typo in the catalogue fails at start-up.
 */
package io.tinyfleet.runtime.profile;

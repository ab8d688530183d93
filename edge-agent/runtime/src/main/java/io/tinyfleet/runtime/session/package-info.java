/** ONNX Runtime sessions: the process environment and a model runtime that owns its session. */
package io.tinyfleet.runtime.session;

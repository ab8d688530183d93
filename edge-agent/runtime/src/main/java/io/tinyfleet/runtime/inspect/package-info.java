/** Static inspection of ONNX models: shapes through the graph, MACs, parameters, sparsity, sizes. */
package io.tinyfleet.runtime.inspect;

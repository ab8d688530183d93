package io.tinyfleet.cli;

import io.tinyfleet.runtime.inspect.Inspection;
import io.tinyfleet.runtime.inspect.Inspector;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.WireSize;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tinyfleet inspect MODEL [--json] [--layers] [--weights] [--wire]}: static facts about an ONNX
 * model (opset, IR, inputs/outputs, parameters, file and wire bytes and where the wire bytes go, MACs,
 * op histogram, sparsity, provenance) without running it.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show an ONNX model's opset, inputs/outputs, parameters, file and wire (zstd) bytes, "
                + "MACs per layer, op histogram, sparsity and provenance.")
public final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx file.")
    Path model;

    @Option(names = "--json", description = "Print everything as JSON.")
    boolean json;

    @Option(names = "--layers", description = "List MACs per Conv/Gemm/MatMul layer.")
    boolean layers;

    @Option(names = "--weights", description = "List size and sparsity per weight.")
    boolean weights;

    @Option(names = "--wire", description = "List where the wire bytes go: each metadata entry, the graph structure, "
            + "the small initializers and each large one, every part packed alone (with --json: wireParts).")
    boolean wire;

    @Override
    public Integer call() {
        Inspection i = Inspector.inspect(OnnxModel.load(model), wire);
        if (json) {
            Json.print(System.out, i);
            return 0;
        }
        var out = System.out;
        out.printf("model       %s%n", i.model());
        out.printf("sha256      %s%n", i.sha256());
        out.printf("ir/opsets   IR %d, %s%n", i.irVersion(), i.opsets().entrySet().stream()
                .map(e -> (e.getKey().isEmpty() ? "ai.onnx" : e.getKey()) + " " + e.getValue())
                .collect(Collectors.joining(", ")));
        if (!i.producer().isEmpty()) {
            out.printf("producer    %s%n", i.producer());
        }
        i.inputs().forEach(io -> out.printf("input       %s %s %s%n", io.name(), io.type(), io.shape()));
        i.outputs().forEach(io -> out.printf("output      %s %s %s%n", io.name(), io.type(), io.shape()));
        out.printf("parameters  %,d%n", i.parameters());
        out.printf("file        %,d bytes%n", i.fileBytes());
        out.printf("wire        %,d bytes (zstd level %d, %.1f%% of file)%n", i.wireBytes(), i.wireZstdLevel(),
                100.0 * i.wireBytes() / Math.max(1, i.fileBytes()));
        out.printf("MACs        %,d at batch 1%s%n", i.macs(), i.macsComplete() ? "" : " (lower bound: some layers unknown)");
        out.printf("sparsity    %.2f%% exact zeros in floating-point weights%n", 100 * i.sparsity());
        out.printf("ops         %s%n", i.opCounts().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", ")));
        out.printf("runnable    %s%n", i.runnable() ? "yes (standard ONNX Runtime ops)" : "no: " + i.refusal());
        for (Map.Entry<String, String> e : i.metadata().entrySet()) {
            out.printf("metadata    %s = %s%n", e.getKey(), e.getValue());
        }
        if (layers) {
            out.println();
            out.printf("%-40s %-14s %16s  %s%n", "layer", "op", "MACs", "output");
            for (Inspection.Layer l : i.layers()) {
                out.printf("%-40s %-14s %16s  %s%n", l.node(), l.opType(),
                        l.macs() == null ? "unknown" : String.format(Locale.ROOT, "%,d", l.macs()),
                        l.outputShape() == null ? "unknown" : l.outputShape());
            }
        }
        if (weights) {
            out.println();
            out.printf("%-40s %-8s %-20s %12s %9s%n", "weight", "type", "dims", "parameters", "sparsity");
            for (Inspection.Weight w : i.weights()) {
                out.printf("%-40s %-8s %-20s %,12d %8.2f%%%n", w.name(), w.type(), w.dims(), w.parameters(),
                        100 * w.sparsity());
            }
        }
        if (wire) {
            out.println();
            out.printf("%-48s %12s %12s%n", "part (packed alone)", "fileBytes", "wireBytes");
            long sum = 0;
            for (WireSize.Part p : i.wireParts()) {
                out.printf("%-48s %,12d %,12d%n", p.part(), p.fileBytes(), p.wireBytes());
                sum += p.wireBytes();
            }
            out.printf("%-48s %12s %,12d (the model in one frame: %,d)%n", "sum", "", sum, i.wireBytes());
        }
        i.notes().forEach(n -> out.println("note        " + n));
        return 0;
    }
}

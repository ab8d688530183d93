package io.tinyfleet.compression.quantize.qdq;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.tinyfleet.compression.CompressionTechnique;
import io.tinyfleet.compression.ConfigField;
import io.tinyfleet.compression.ConfigSpec;
import io.tinyfleet.compression.TechniqueConfig;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueResult;
import io.tinyfleet.compression.graph.Edit;
import io.tinyfleet.compression.graph.Graphs;
import io.tinyfleet.compression.graph.OpsetUpgrade;
import io.tinyfleet.compression.graph.OrtRun;
import io.tinyfleet.compression.graph.Samples;
import io.tinyfleet.compression.quantize.common.Calibration;
import io.tinyfleet.compression.quantize.common.Materialize;
import io.tinyfleet.compression.quantize.common.QuantMath;
import io.tinyfleet.compression.quantize.common.SessionSettings;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Static int8 post-training quantization in QDQ form (Jacob et al., CVPR 2018; Krishnamoorthi,
 * "Quantizing deep convolutional networks for efficient inference: A whitepaper", 2018): weights
 * int8 symmetric per output channel, activations uint8 asymmetric with ranges calibrated on a
 * fixed-seed sample of the training data (MinMax, Percentile or Entropy), biases int32 with scale
 * {@code s_x * s_w[c]}. This is the layout ONNX Runtime fuses at EXTENDED optimisation into
 * QLinearConv / QGemm / QLinearMatMul; Add/Mul and average pools between quantized edges get Q/DQ too,
 * so they become QLinearAdd / QLinearGlobalAveragePool and tensors stay uint8 between layers, and a
 * Gemm/MatMul writing a graph output keeps it float. The technique loads the result, reads the
 * optimised graph and reports which layers fused and warns about the rest. {@code layers=fast} keeps in
 * float the convolutions ORT has no fast int8 kernel for ({@link #slowInt8Convs}).
 */
public final class StaticQdqQuantization implements CompressionTechnique {

    /** Technique id. */
    public static final String ID = "quantize.int8.qdq";

    /** Ops whose output keeps the input's quantization parameters (Q/DQ around them are dropped by ORT). */
    static final Set<String> PASS_THROUGH = Set.of("MaxPool", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose");

    /** Fused integer ops ORT produces from QDQ groups. */
    public static final Set<String> FUSED_OPS = Set.of("QLinearConv", "QGemm", "QLinearMatMul", "MatMulIntegerToFloat");

    private static final ConfigSpec SPEC = ConfigSpec.of(ID,
            ConfigField.choice("method", "activation calibration: minmax, percentile (clip outliers) or entropy (KL)",
                    "minmax", "percentile", "entropy"),
            ConfigField.number("percentile", 99.999, 90, false, 100, false, "percentile of |x| kept, for method=percentile"),
            ConfigField.integer("samples", 128L, 1, 100_000, "calibration images from the training split (fixed seed)"),
            ConfigField.choice("layers", "all: every Conv/Gemm/MatMul in int8 (smallest file); fast: convolutions "
                    + "ONNX Runtime has no fast int8 kernel for (see slowInt8Conv) stay float, for latency",
                    "all", "fast"));

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String step() {
        return "quantize";
    }

    @Override
    public String mode() {
        return "int8";
    }

    @Override
    public int version() {
        return 2; // 2: Add/Mul/average pools between quantized edges get Q/DQ too; layers=fast
    }

    @Override
    public String description() {
        return "static int8 QDQ, per-channel weights, calibrated activations; verified to fuse into QLinearConv/QGemm";
    }

    @Override
    public ConfigSpec spec() {
        return SPEC;
    }

    @Override
    public List<String> unsupported(OnnxModel model, TechniqueConfig config) {
        List<String> bad = new ArrayList<>(Graphs.customDomainNodes(model));
        if (!bad.isEmpty()) {
            return bad;
        }
        bad.addAll(OpsetUpgrade.blockers(model, 13));
        if (!bad.isEmpty()) {
            return bad;
        }
        for (var in : Graphs.realInputs(model.graph())) {
            if (in.getType().getTensorType().getElemType() != DataType.FLOAT_VALUE) {
                bad.add("input '" + in.getName() + "' is not float32");
            }
        }
        if (targets(Materialize.weights(model), Set.of()).isEmpty()) {
            bad.add("no Conv, Gemm (transA=0) or 2-D MatMul node with a float weight initializer to quantize");
        }
        return bad;
    }

    /** Linear nodes with a float weight initializer this technique quantizes, minus {@code keepFloat} weights. */
    static List<NodeProto> targets(OnnxModel model, Set<String> keepFloat) {
        Map<String, TensorProto> inits = model.initializers();
        List<NodeProto> out = new ArrayList<>();
        for (NodeProto n : model.graph().getNodeList()) {
            if (!n.getDomain().isEmpty() || n.getInputCount() < 2) {
                continue;
            }
            TensorProto w = inits.get(n.getInput(1));
            if (w == null || w.getDataType() != DataType.FLOAT_VALUE || keepFloat.contains(w.getName())
                    || inits.containsKey(n.getInput(0))) {
                continue;
            }
            boolean ok = switch (n.getOpType()) {
                case "Conv" -> w.getDimsCount() >= 3;
                case "Gemm" -> Graphs.attrInt(n, "transA", 0) == 0 && w.getDimsCount() == 2;
                case "MatMul" -> w.getDimsCount() == 2;
                default -> false;
            };
            if (ok) {
                out.add(n);
            }
        }
        return out;
    }

    /** Names of the weight initializers this technique would quantize (for mixed precision). */
    public static List<String> quantizableWeights(OnnxModel model) {
        List<String> out = new ArrayList<>();
        for (NodeProto n : targets(Materialize.weights(model), Set.of())) {
            if (!out.contains(n.getInput(1))) {
                out.add(n.getInput(1));
            }
        }
        return out;
    }

    @Override
    public TechniqueResult apply(OnnxModel model, TechniqueConfig config, TechniqueContext ctx) {
        return quantize(model, config, ctx, Set.of());
    }

    /** Quantizes every target layer except those whose weight is in {@code keepFloat}. */
    public TechniqueResult quantize(OnnxModel input, TechniqueConfig config, TechniqueContext ctx, Set<String> keepFloatAsked) {
        OnnxModel upgraded = OpsetUpgrade.atLeast(input, 13);
        OnnxModel model = Materialize.weights(upgraded);
        Map<String, String> slow = config.text("layers").equals("fast") ? slowInt8Convs(model) : Map.of();
        Set<String> keepFloat = new LinkedHashSet<>(keepFloatAsked);
        keepFloat.addAll(slow.keySet());
        Map<String, String[]> clustered = clusteredWeights(upgraded);
        Map<String, TensorProto> upgradedInits = upgraded.initializers();
        GraphProto g = model.graph();
        Map<String, NodeProto> producers = Graphs.producers(g);
        Map<String, List<NodeProto>> consumers = Graphs.consumers(g);
        Set<String> graphOutputs = Graphs.outputNames(g);
        Map<String, TensorProto> inits = model.initializers();
        List<NodeProto> targets = targets(model, keepFloat);

        // 1. activation edges: inputs of targets, outputs (after a sole Relu), then pass-through chains
        Set<String> calibrated = new LinkedHashSet<>();
        Map<String, String> tiedTo = new LinkedHashMap<>();
        for (NodeProto n : targets) {
            calibrated.add(n.getInput(0));
            String out = afterSoleRelu(n.getOutput(0), consumers, graphOutputs);
            // a Gemm/MatMul producing a graph output keeps it float: ORT fuses DQ->Gemm into a QGemm with float
            // output (MatMul: MatMulIntegerToFloat), so the logits need no Q/DQ round trip and keep full precision
            if (!(graphOutputs.contains(out) && !n.getOpType().equals("Conv"))) {
                calibrated.add(out);
            }
        }
        // Add/Mul of two quantized activations and the average pools between quantized edges become
        // QLinearAdd / QLinearMul / QLinearGlobalAveragePool / QLinearAveragePool: without Q/DQ around them
        // ORT dequantizes, runs them in float (at ALL also transposes back from NHWC) and quantizes again
        List<NodeProto> integerOps = integerOps(g, inits, calibrated, consumers, graphOutputs);
        for (NodeProto n : integerOps) {
            n.getInputList().forEach(calibrated::add);
            calibrated.add(afterSoleRelu(n.getOutput(0), consumers, graphOutputs));
        }
        boolean grew = true;
        while (grew) {
            grew = false;
            List<String> edges = new ArrayList<>(calibrated);
            edges.addAll(tiedTo.keySet());
            for (String edge : edges) {
                for (NodeProto c : consumers.getOrDefault(edge, List.of())) {
                    if (PASS_THROUGH.contains(c.getOpType()) && c.getDomain().isEmpty() && c.getInput(0).equals(edge)
                            && Graphs.attrInt(c, "storage_order", 0) == 0 && c.getOutputCount() == 1) {
                        String o = c.getOutput(0);
                        if (!calibrated.contains(o) && !tiedTo.containsKey(o)) {
                            tiedTo.put(o, edge);
                            grew = true;
                        }
                    }
                }
            }
        }
        // an edge both calibrated and reached through a pass-through keeps the tie (same scale, so ORT drops Q/DQ)
        calibrated.removeAll(tiedTo.keySet());

        // 2. calibration
        Samples.Batches batches = Samples.of(model, ctx, config.integer("samples"), 32);
        ctx.progress().report("calibrating " + calibrated.size() + " activations", 0);
        Map<String, Calibration.Range> ranges = Calibration.ranges(model, batches.feeds(), new ArrayList<>(calibrated),
                config.text("method"), config.number("percentile"));
        ctx.progress().report("calibrating " + calibrated.size() + " activations", 1);
        Map<String, QuantMath.Affine> qp = new LinkedHashMap<>();
        ranges.forEach((k, r) -> qp.put(k, QuantMath.uint8(r.min(), r.max())));
        // entropy/percentile can clip most of an activation's range away (e.g. a stem output whose background
        // pixels all map to one value: the KL search fits that spike); say so instead of failing silently
        Map<String, String> clipped = new LinkedHashMap<>();
        ranges.forEach((k, r) -> {
            if (r.clippedShare() > 0.5) {
                clipped.put(k, String.format(java.util.Locale.ROOT, "[%.3g, %.3g] of [%.3g, %.3g]", r.min(), r.max(),
                        r.observedMin(), r.observedMax()));
            }
        });
        for (var t : tiedTo.entrySet()) {
            String root = t.getValue();
            while (tiedTo.containsKey(root)) {
                root = tiedTo.get(root);
            }
            qp.put(t.getKey(), qp.get(root));
        }

        // 3. rewrite
        Edit e = new Edit(g);
        Map<String, String> scaleNames = new HashMap<>();
        Map<String, String> zpNames = new HashMap<>();
        for (var q : qp.entrySet()) {
            String s = e.fresh(q.getKey() + "_scale");
            String z = e.fresh(q.getKey() + "_zero_point");
            e.initializers.put(s, Tensors.floats(s, new long[0], new float[] {q.getValue().scale()}));
            e.initializers.put(z, Tensors.bytes(z, DataType.UINT8, new long[0], new byte[] {(byte) q.getValue().zeroPoint()}));
            scaleNames.put(q.getKey(), s);
            zpNames.put(q.getKey(), z);
        }
        List<NodeProto> inputQdq = new ArrayList<>();
        for (String edge : qp.keySet()) {
            String qName = e.fresh(edge + "_quantized");
            NodeProto producer = producers.get(edge);
            if (producer == null) {
                String dq = e.fresh(edge + "_dequantized");
                inputQdq.add(node(e, "QuantizeLinear", List.of(edge, scaleNames.get(edge), zpNames.get(edge)), qName));
                inputQdq.add(node(e, "DequantizeLinear", List.of(qName, scaleNames.get(edge), zpNames.get(edge)), dq));
                for (int i = 0; i < e.nodes.size(); i++) {
                    NodeProto n = e.nodes.get(i);
                    if (n.getInputList().contains(edge)) {
                        NodeProto.Builder b = n.toBuilder().clearInput();
                        n.getInputList().forEach(x -> b.addInput(x.equals(edge) ? dq : x));
                        e.nodes.set(i, b.build());
                    }
                }
            } else {
                String f = e.fresh(edge + "_float");
                int at = indexOfOutput(e.nodes, edge);
                NodeProto p = e.nodes.get(at);
                NodeProto.Builder b = p.toBuilder().clearOutput();
                p.getOutputList().forEach(x -> b.addOutput(x.equals(edge) ? f : x));
                e.nodes.set(at, b.build());
                e.nodes.add(at + 1, node(e, "QuantizeLinear", List.of(f, scaleNames.get(edge), zpNames.get(edge)), qName));
                e.nodes.add(at + 2, node(e, "DequantizeLinear", List.of(qName, scaleNames.get(edge), zpNames.get(edge)), edge));
            }
        }
        e.nodes.addAll(0, inputQdq);

        Map<String, Object> layers = new LinkedHashMap<>();
        Set<String> doneWeights = new LinkedHashSet<>();
        for (NodeProto n : targets) {
            TensorProto w = inits.get(n.getInput(1));
            int axis = n.getOpType().equals("Conv") ? 0
                    : n.getOpType().equals("Gemm") ? (Graphs.attrInt(n, "transB", 0) != 0 ? 0 : 1) : 1;
            long[] dims = Tensors.dims(w);
            float[] wv = Tensors.toFloats(w);
            float[] sw = QuantMath.int8Scales(wv, dims, axis, 127);
            String[] cl = clustered.get(w.getName());
            if (cl != null) {
                // keep weight sharing: an int8 codebook (one scale) gathered by the original indices
                float[] cb = Tensors.toFloats(upgradedInits.get(cl[0]));
                float max = 0;
                for (float c : cb) {
                    max = Math.max(max, Math.abs(c));
                }
                float sc = max > 0 ? max / 127f : 1f;
                java.util.Arrays.fill(sw, sc);
                if (doneWeights.add(w.getName())) {
                    byte[] cq = new byte[cb.length];
                    for (int i = 0; i < cb.length; i++) {
                        cq[i] = (byte) Math.max(-127, Math.min(127, Math.rint(cb[i] / sc)));
                    }
                    String cqName = e.fresh(cl[0] + "_int8");
                    String idx32 = e.fresh(cl[1] + "_i32");
                    String wq = e.fresh(w.getName() + "_quantized");
                    String ws = e.fresh(w.getName() + "_scale");
                    String wz = e.fresh(w.getName() + "_zero_point");
                    e.initializers.remove(w.getName());
                    e.initializers.put(cqName, Tensors.bytes(cqName, DataType.INT8, new long[] {cb.length}, cq));
                    e.initializers.put(cl[1], upgradedInits.get(cl[1]));
                    e.initializers.put(ws, Tensors.floats(ws, new long[0], new float[] {sc}));
                    e.initializers.put(wz, Tensors.bytes(wz, DataType.INT8, new long[0], new byte[1]));
                    e.prelude.add(NodeProto.newBuilder().setName(e.fresh(idx32 + "_Cast")).setOpType("Cast")
                            .addInput(cl[1]).addOutput(idx32)
                            .addAttribute(GraphBuilder.attr("to", (long) DataType.INT32_VALUE)).build());
                    e.prelude.add(NodeProto.newBuilder().setName(e.fresh(wq + "_Gather")).setOpType("Gather")
                            .addInput(cqName).addInput(idx32).addOutput(wq)
                            .addAttribute(GraphBuilder.attr("axis", 0L)).build());
                    e.prelude.add(node(e, "DequantizeLinear", List.of(wq, ws, wz), w.getName()));
                }
            } else if (doneWeights.add(w.getName())) {
                String wq = e.fresh(w.getName() + "_quantized");
                String ws = e.fresh(w.getName() + "_scale");
                String wz = e.fresh(w.getName() + "_zero_point");
                e.initializers.remove(w.getName());
                e.initializers.put(wq, Tensors.bytes(wq, DataType.INT8, dims, QuantMath.quantizeInt8(wv, dims, axis, sw)));
                e.initializers.put(ws, Tensors.floats(ws, new long[] {sw.length}, sw));
                e.initializers.put(wz, Tensors.bytes(wz, DataType.INT8, new long[] {sw.length}, new byte[sw.length]));
                e.prelude.add(node(e, "DequantizeLinear", List.of(wq, ws, wz), w.getName(), axis));
            }
            String biasName = n.getInputCount() > 2 ? n.getInput(2) : "";
            TensorProto bias = inits.get(biasName);
            QuantMath.Affine xq = qp.get(n.getInput(0));
            boolean biasDone = false;
            if (bias != null && xq != null && bias.getDataType() == DataType.FLOAT_VALUE
                    && Tensors.numel(bias) == sw.length && consumers.get(biasName).size() == 1) {
                float[] bv = Tensors.toFloats(bias);
                float[] bs = new float[sw.length];
                int[] bq = new int[sw.length];
                for (int c = 0; c < sw.length; c++) {
                    bs[c] = xq.scale() * sw[c];
                    bq[c] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Math.rint(bv[c] / bs[c])));
                }
                String bqName = e.fresh(biasName + "_quantized");
                String bsName = e.fresh(biasName + "_scale");
                String bzName = e.fresh(biasName + "_zero_point");
                e.initializers.remove(biasName);
                e.initializers.put(bqName, Tensors.ints(bqName, Tensors.dims(bias), bq));
                e.initializers.put(bsName, Tensors.floats(bsName, new long[] {sw.length}, bs));
                e.initializers.put(bzName, Tensors.ints(bzName, new long[] {sw.length}, new int[sw.length]));
                e.prelude.add(node(e, "DequantizeLinear", List.of(bqName, bsName, bzName), biasName, 0));
                biasDone = true;
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("op", n.getOpType());
            info.put("weight", w.getName());
            info.put("int32Bias", biasDone);
            info.put("sharedCodebook", cl != null);
            layers.put(n.getName().isEmpty() ? n.getOutput(0) : n.getName(), info);
        }
        e.dropUnusedInitializers();
        OnnxModel out = model.withGraph(e.build());
        // ORT >= 1.21 (WeightBiasQuantization) quantizes, per tensor, the float weight of a Conv/Gemm that reads a
        // DQ and feeds a Q: a layer kept in float between quantized ones would silently run in int8
        List<String> sandwiched = new ArrayList<>();
        for (NodeProto n : model.graph().getNodeList()) {
            if ((n.getOpType().equals("Conv") || n.getOpType().equals("Gemm")) && n.getInputCount() > 1
                    && keepFloat.contains(n.getInput(1)) && qp.containsKey(n.getInput(0))) {
                sandwiched.add(Graphs.label(n));
            }
        }
        if (!sandwiched.isEmpty()) {
            out = SessionSettings.disableOptimizer(out, "WeightBiasQuantization");
        }

        // 4. verify the fusion in the graph ONNX Runtime will run
        GraphProto opt = OrtRun.optimized(out, OptLevel.EXTENDED_OPT);
        Map<String, Integer> ops = OrtRun.opCounts(opt);
        int fused = 0;
        Map<String, Integer> fusedOps = new LinkedHashMap<>();
        for (String f : FUSED_OPS) {
            if (ops.containsKey(f)) {
                fused += ops.get(f);
                fusedOps.put(f, ops.get(f));
            }
        }
        List<String> unfused = new ArrayList<>();
        Map<String, NodeProto> optProducers = Graphs.producers(opt);
        for (NodeProto n : opt.getNodeList()) {
            if ((n.getOpType().equals("Conv") || n.getOpType().equals("Gemm") || n.getOpType().equals("MatMul")
                    || n.getOpType().equals("FusedConv") || n.getOpType().equals("FusedGemm"))
                    && n.getInputCount() > 1 && optProducers.containsKey(n.getInput(1))
                    && optProducers.get(n.getInput(1)).getOpType().equals("DequantizeLinear")) {
                unfused.add(Graphs.label(n));
            }
        }
        List<String> notes = new ArrayList<>();
        if (!batches.realData()) {
            notes.add("WARNING: calibrated on seeded random inputs (no image data fits the model input): activation "
                    + "ranges may not match real data");
        }
        if (unfused.isEmpty() && fused >= targets.size()) {
            notes.add("ONNX Runtime (EXTENDED) fused all " + targets.size() + " quantized layers into integer kernels "
                    + fusedOps + (integerOps.isEmpty() ? "" : " and " + integerOps.size() + " Add/pool ops into QLinear ops")
                    + "; integer kernels are not always faster: at batch 1 on small CNNs ORT's fp32 NCHWc kernels "
                    + "(optimisation level ALL) can match them, so compare both models at the same level");
        } else {
            notes.add("WARNING: ONNX Runtime fused only " + fused + " of " + targets.size() + " quantized layers "
                    + fusedOps + "; still dequantized to float: " + String.join(", ", unfused)
                    + " - those layers run in fp32 with extra Q/DQ work and may be slower than before");
        }
        if (!clipped.isEmpty()) {
            notes.add("WARNING: " + config.text("method") + " calibration kept less than half of the observed range of "
                    + clipped + "; check the accuracy (method=minmax keeps the whole range)");
        }
        if (input.defaultOpset() < 13) {
            notes.add("opset raised from " + input.defaultOpset() + " to 13 (per-channel Q/DQ); every op keeps its meaning");
        }
        slow.forEach((w, why) -> notes.add("kept in float (layers=fast): " + w + ": " + why));
        if (!sandwiched.isEmpty()) {
            notes.add("float layers between quantized ones (" + String.join(", ", sandwiched) + ") stay float only with "
                    + "the session setting optimization.disable_specified_optimizers=WeightBiasQuantization, recorded in "
                    + "metadata_props and applied by TinyFleet's runtime; other ONNX Runtime >= 1.21 hosts quantize them "
                    + "per tensor at load");
        }
        if (!keepFloatAsked.isEmpty()) {
            notes.add("kept in float: " + String.join(", ", keepFloatAsked));
        }
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("method", config.text("method"));
        stats.put("calibrationSamples", config.integer("samples"));
        stats.put("calibrationData", batches.realData() ? ctx.dataName() : "random");
        stats.put("quantizedLayers", targets.size());
        stats.put("activationsQuantized", qp.size());
        stats.put("activationsMostlyClipped", List.copyOf(clipped.keySet()));
        stats.put("integerOps", integerOps.stream().map(Graphs::label).toList());
        stats.put("layersKeptFloatForSpeed", List.copyOf(slow.keySet()));
        stats.put("fusedOps", fusedOps);
        stats.put("unfusedLayers", unfused);
        stats.put("layers", layers);
        return new TechniqueResult(out, stats, notes);
    }

    /**
     * Conv weights (name to reason) that ONNX Runtime 1.23's x86 CPU kernels run no faster in int8 than in
     * fp32. QLinearConv is fast on MLAS's symmetric-weight path (convsym.cpp) only: a regular conv needs
     * input channels a multiple of 4 and output channels a multiple of 8 (AVX2; AVX-512 takes multiples of
     * 4) and at least 16, a depthwise conv channels a multiple of 16; other convs go through im2col and a
     * generic int8 GEMM, which for a 1-channel stem is slower than fp32 (measured at batch 1, one thread,
     * ORT profiler: mobile stem 8 us int8 vs 3 us fp32, LeNet-5 conv1 31 us vs 8 us). Depthwise convs stay
     * int8 even though MLAS's depthwise kernel is 2-3x slower than fp32 at 16-64 channels: keeping them
     * float costs more in Q/DQ and layout changes around them (mobile: 48.4 us vs 38.6 us).
     */
    static Map<String, String> slowInt8Convs(OnnxModel model) {
        Map<String, TensorProto> inits = model.initializers();
        Map<String, String> out = new LinkedHashMap<>();
        for (NodeProto n : targets(model, Set.of())) {
            if (!n.getOpType().equals("Conv")) {
                continue;
            }
            long[] d = Tensors.dims(inits.get(n.getInput(1)));
            long group = Graphs.attrInt(n, "group", 1);
            long cinPerGroup = d[1];
            long cout = d[0];
            String why = null;
            if (group > 1 && cinPerGroup == 1 && cout == group) {
                if (group % 16 != 0) {
                    why = "depthwise with " + group + " channels (ORT's int8 depthwise kernel needs a multiple of 16)";
                }
            } else if (group > 1) {
                why = "grouped conv (" + group + " groups) has no fast int8 kernel in ORT";
            } else if (cinPerGroup % 4 != 0 || cout % 8 != 0 || cout < 16) {
                why = cinPerGroup + " input / " + cout + " output channels (ORT's fast int8 conv needs input channels "
                        + "a multiple of 4, output channels a multiple of 8 and >= 16)";
            }
            if (why != null) {
                out.putIfAbsent(n.getInput(1), why);
            }
        }
        return out;
    }

    /** Ops ORT's QDQ transformer turns into integer kernels when every input and the output carry Q/DQ. */
    static final Set<String> INTEGER_BINARY = Set.of("Add", "Mul");
    /** Single-input ops ORT's QDQ transformer turns into integer kernels (QLinear* of com.microsoft). */
    static final Set<String> INTEGER_UNARY = Set.of("GlobalAveragePool", "AveragePool");

    /**
     * Add/Mul nodes whose two inputs are both activations and average pools, reached from the
     * already quantized {@code edges} (directly or through a pass-through op); grown to a fixed point,
     * so a pool after a residual Add is found too. Nodes feeding a graph output are left in float.
     */
    static List<NodeProto> integerOps(GraphProto g, Map<String, TensorProto> inits, Set<String> edges,
                                      Map<String, List<NodeProto>> consumers, Set<String> graphOutputs) {
        Set<String> reach = new LinkedHashSet<>(edges);
        List<NodeProto> out = new ArrayList<>();
        boolean grew = true;
        while (grew) {
            grew = false;
            for (NodeProto n : g.getNodeList()) {
                if (!n.getDomain().isEmpty() || out.contains(n) || n.getOutputCount() != 1
                        || graphOutputs.contains(n.getOutput(0))) {
                    continue;
                }
                boolean ok = INTEGER_BINARY.contains(n.getOpType())
                        ? n.getInputCount() == 2 && !inits.containsKey(n.getInput(0)) && !inits.containsKey(n.getInput(1))
                          && (reach.contains(n.getInput(0)) || reach.contains(n.getInput(1)))
                        : INTEGER_UNARY.contains(n.getOpType()) && reach.contains(n.getInput(0));
                if (PASS_THROUGH.contains(n.getOpType()) && reach.contains(n.getInput(0))) {
                    grew |= reach.add(n.getOutput(0));
                } else if (ok) {
                    out.add(n);
                    reach.add(afterSoleRelu(n.getOutput(0), consumers, graphOutputs));
                    grew = true;
                }
            }
        }
        return out;
    }

    /** {@code value}, or the output of the Relu that is its only consumer (ORT folds Relu into the following Q). */
    private static String afterSoleRelu(String value, Map<String, List<NodeProto>> consumers, Set<String> graphOutputs) {
        List<NodeProto> cons = consumers.getOrDefault(value, List.of());
        if (cons.size() == 1 && cons.get(0).getOpType().equals("Relu") && !graphOutputs.contains(value)) {
            return cons.get(0).getOutput(0);
        }
        return value;
    }

    /**
     * Weights decoded by {@code Gather(codebook, Cast(indices))} (from {@code cluster}): weight name to
     * {codebook initializer, indices initializer}.
     */
    static Map<String, String[]> clusteredWeights(OnnxModel model) {
        Map<String, TensorProto> inits = model.initializers();
        Map<String, NodeProto> producers = Graphs.producers(model.graph());
        Map<String, String[]> out = new HashMap<>();
        for (NodeProto n : model.graph().getNodeList()) {
            if (n.getOpType().equals("Gather") && n.getDomain().isEmpty() && Graphs.attrInt(n, "axis", 0) == 0
                    && inits.containsKey(n.getInput(0)) && inits.get(n.getInput(0)).getDimsCount() == 1
                    && inits.get(n.getInput(0)).getDataType() == DataType.FLOAT_VALUE) {
                NodeProto cast = producers.get(n.getInput(1));
                if (cast != null && cast.getOpType().equals("Cast") && inits.containsKey(cast.getInput(0))) {
                    out.put(n.getOutput(0), new String[] {n.getInput(0), cast.getInput(0)});
                }
            }
        }
        return out;
    }

    private static int indexOfOutput(List<NodeProto> nodes, String value) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).getOutputList().contains(value)) {
                return i;
            }
        }
        throw new IllegalStateException("no node produces " + value);
    }

    private static NodeProto node(Edit e, String op, List<String> inputs, String output) {
        return NodeProto.newBuilder().setName(e.fresh(output + "_" + op)).setOpType(op).addAllInput(inputs)
                .addOutput(output).build();
    }

    private static NodeProto node(Edit e, String op, List<String> inputs, String output, int axis) {
        return node(e, op, inputs, output).toBuilder().addAttribute(GraphBuilder.attr("axis", (long) axis)).build();
    }
}

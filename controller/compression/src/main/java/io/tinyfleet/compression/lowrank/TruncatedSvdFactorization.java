package io.tinyfleet.compression.lowrank;

import ai.onnx.proto.OnnxMl.NodeProto;
import io.tinyfleet.compression.CompressionTechnique;
import io.tinyfleet.compression.ConfigField;
import io.tinyfleet.compression.ConfigSpec;
import io.tinyfleet.compression.TechniqueConfig;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueResult;
import io.tinyfleet.compression.graph.Edit;
import io.tinyfleet.compression.graph.Graphs;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Low-rank factorisation by truncated SVD (Eckart-Young): a Gemm/MatMul weight {@code W [K,N]}
 * becomes {@code P [K,r] * Q [r,N]} (two smaller matrix products), and a Conv kernel
 * {@code [M,C,kh,kw]} becomes a kh x kw convolution with r filters followed by a 1x1 convolution
 * (Denton et al., "Exploiting Linear Structure Within Convolutional Networks for Efficient
 * Evaluation", NeurIPS 2014; Jaderberg, Vedaldi, Zisserman, "Speeding up Convolutional Neural
 * Networks with Low Rank Expansions", BMVC 2014). The rank comes from {@code rank=R}, an energy
 * threshold on the squared singular values, or a target parameter ratio; a layer is skipped when
 * {@code r(m+n) >= mn}, where the factors would not be smaller. The SVD is EJML's.
 */
public final class TruncatedSvdFactorization implements CompressionTechnique {

    /** Technique id. */
    public static final String ID = "lowrank.svd";

    private static final ConfigSpec SPEC = new ConfigSpec(ID, List.of(
            ConfigField.optionalInteger("rank", 1, 1_000_000, "keep this many singular values per layer"),
            ConfigField.optionalNumber("energy", 0, true, 1, false,
                    "keep the fewest singular values holding this fraction of the squared sum"),
            ConfigField.optionalNumber("ratio", 0, true, 1, true, "keep about this fraction of each layer's parameters")),
            c -> {
                int given = (c.has("rank") ? 1 : 0) + (c.has("energy") ? 1 : 0) + (c.has("ratio") ? 1 : 0);
                if (given != 1) {
                    throw new IllegalArgumentException(ID + ": give exactly one of the fields 'rank', 'energy', 'ratio'"
                            + " (got " + given + ")");
                }
            });

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String step() {
        return "lowrank";
    }

    @Override
    public int version() {
        return 1;
    }

    @Override
    public String description() {
        return "truncated SVD of Gemm/MatMul weights into two factors and of Conv kernels into kxk + 1x1 convs";
    }

    @Override
    public ConfigSpec spec() {
        return SPEC;
    }

    @Override
    public List<String> unsupported(OnnxModel model, TechniqueConfig config) {
        List<String> bad = new ArrayList<>(Graphs.customDomainNodes(model));
        if (bad.isEmpty() && targets(model).isEmpty()) {
            bad.add("no Gemm (transA=0), 2-D MatMul weight or group-1 Conv with a float weight initializer to factorise");
        }
        return bad;
    }

    private static List<Graphs.WeightRef> targets(OnnxModel model) {
        Map<String, List<NodeProto>> consumers = Graphs.consumers(model.graph());
        List<Graphs.WeightRef> out = new ArrayList<>();
        for (Graphs.WeightRef w : Graphs.linearWeights(model)) {
            NodeProto n = w.node();
            if (consumers.getOrDefault(w.name(), List.of()).size() != 1) {
                continue;
            }
            boolean ok = switch (n.getOpType()) {
                case "Gemm" -> Graphs.attrInt(n, "transA", 0) == 0;
                case "MatMul" -> w.tensor().getDimsCount() == 2;
                case "Conv" -> Graphs.attrInt(n, "group", 1) == 1 && w.tensor().getDimsCount() == 4;
                default -> false;
            };
            if (ok) {
                out.add(w);
            }
        }
        return out;
    }

    @Override
    public TechniqueResult apply(OnnxModel model, TechniqueConfig config, TechniqueContext ctx) {
        Edit e = new Edit(model.graph());
        Map<String, Object> layers = new LinkedHashMap<>();
        int factorised = 0;
        for (Graphs.WeightRef w : targets(model)) {
            NodeProto n = w.node();
            long[] d = Tensors.dims(w.tensor());
            float[] v = Tensors.toFloats(w.tensor());
            int m;
            int k;
            DMatrixRMaj a;
            boolean conv = n.getOpType().equals("Conv");
            boolean transB = n.getOpType().equals("Gemm") && Graphs.attrInt(n, "transB", 0) != 0;
            if (conv) {
                m = (int) d[0];
                k = (int) (d[1] * d[2] * d[3]);
                a = new DMatrixRMaj(m, k);
                for (int i = 0; i < v.length; i++) {
                    a.data[i] = v[i];
                }
            } else {
                // as K x N: y = x W
                m = transB ? (int) d[1] : (int) d[0];
                k = transB ? (int) d[0] : (int) d[1];
                a = new DMatrixRMaj(m, k);
                for (int i = 0; i < d[0]; i++) {
                    for (int j = 0; j < d[1]; j++) {
                        double x = v[(int) (i * d[1] + j)];
                        if (transB) {
                            a.set(j, i, x);
                        } else {
                            a.set(i, j, x);
                        }
                    }
                }
            }
            SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, k, true, true, true);
            if (!svd.decompose(a.copy())) {
                layers.put(w.name(), Map.of("skipped", "SVD did not converge"));
                continue;
            }
            DMatrixRMaj u = svd.getU(null, false);
            DMatrixRMaj s = svd.getW(null);
            DMatrixRMaj vt = svd.getV(null, true);
            SingularOps_DDRM.descendingOrder(u, false, s, vt, true);
            int full = Math.min(m, k);
            double[] sv = new double[full];
            for (int i = 0; i < full; i++) {
                sv[i] = s.get(i, i);
            }
            int r = chooseRank(config, sv, m, k);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("op", n.getOpType());
            info.put("shape", List.of(m, k));
            info.put("rank", r);
            info.put("fullRank", full);
            if ((long) r * (m + k) >= (long) m * k) {
                info.put("skipped", "r(m+n) >= mn: the factors would not be smaller");
                layers.put(w.name(), info);
                continue;
            }
            double kept = 0;
            double total = 0;
            for (int i = 0; i < full; i++) {
                total += sv[i] * sv[i];
                if (i < r) {
                    kept += sv[i] * sv[i];
                }
            }
            info.put("energyKept", Math.round(kept / total * 1e4) / 1e4);
            // P = U_r sqrt(S_r) [m, r], Q = sqrt(S_r) V_r^T [r, k]
            float[] p = new float[m * r];
            float[] q = new float[r * k];
            for (int j = 0; j < r; j++) {
                double root = Math.sqrt(sv[j]);
                for (int i = 0; i < m; i++) {
                    p[i * r + j] = (float) (u.get(i, j) * root);
                }
                for (int i = 0; i < k; i++) {
                    q[j * k + i] = (float) (vt.get(j, i) * root);
                }
            }
            int at = e.nodes.indexOf(n);
            String mid = e.fresh(n.getOutput(0) + "__lowrank");
            String pName = e.fresh(w.name() + "__svd_a");
            String qName = e.fresh(w.name() + "__svd_b");
            e.initializers.remove(w.name());
            if (conv) {
                // first: kxk conv with r filters = Q reshaped [r, C, kh, kw]; second: 1x1 conv with P [M, r, 1, 1] + bias
                e.initializers.put(qName, Tensors.floats(qName, new long[] {r, d[1], d[2], d[3]}, q));
                e.initializers.put(pName, Tensors.floats(pName, new long[] {m, r, 1, 1}, p));
                NodeProto first = n.toBuilder().setName(e.fresh(n.getName() + "__svd_kxk")).clearInput()
                        .addInput(n.getInput(0)).addInput(qName).clearOutput().addOutput(mid).build();
                NodeProto.Builder second = NodeProto.newBuilder().setName(e.fresh(n.getName() + "__svd_1x1"))
                        .setOpType("Conv").addInput(mid).addInput(pName);
                if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                    second.addInput(n.getInput(2));
                }
                second.addAllOutput(n.getOutputList());
                e.nodes.set(at, first);
                e.nodes.add(at + 1, second.build());
            } else {
                // x [.., K] * P' [K, r] then * Q' [r, N]; here the matrix is K x N so P is [K, r]
                e.initializers.put(pName, Tensors.floats(pName, new long[] {m, r}, p));
                NodeProto first = NodeProto.newBuilder().setName(e.fresh(n.getName() + "__svd_a")).setOpType("MatMul")
                        .addInput(n.getInput(0)).addInput(pName).addOutput(mid).build();
                NodeProto second;
                if (n.getOpType().equals("Gemm")) {
                    float[] stored = q;
                    long[] dims = {r, k};
                    if (transB) {
                        stored = Tensors.transposed(q, r, k);
                        dims = new long[] {k, r};
                    }
                    e.initializers.put(qName, Tensors.floats(qName, dims, stored));
                    NodeProto.Builder g = n.toBuilder().clearInput().addInput(mid).addInput(qName);
                    for (int i = 2; i < n.getInputCount(); i++) {
                        g.addInput(n.getInput(i));
                    }
                    second = g.build();
                } else {
                    e.initializers.put(qName, Tensors.floats(qName, new long[] {r, k}, q));
                    second = n.toBuilder().clearInput().addInput(mid).addInput(qName).build();
                }
                e.nodes.set(at, first);
                e.nodes.add(at + 1, second);
            }
            factorised++;
            layers.put(w.name(), info);
        }
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("factorised", factorised);
        stats.put("layers", layers);
        List<String> notes = new ArrayList<>();
        if (factorised == 0) {
            notes.add("no layer was factorised: at the chosen rank the factors would not be smaller than the weights");
        } else {
            notes.add("fewer parameters and MACs; the speed-up shows only where the layers are large enough to "
                    + "dominate run time (measure latencyMs)");
        }
        return new TechniqueResult(model.withGraph(e.build()), stats, notes);
    }

    static int chooseRank(TechniqueConfig c, double[] sv, int m, int n) {
        int full = sv.length;
        if (c.has("rank")) {
            return Math.min(c.integer("rank"), full);
        }
        if (c.has("ratio")) {
            return (int) Math.max(1, Math.min(full, Math.floor(c.number("ratio") * m * n / (m + n))));
        }
        double total = 0;
        for (double x : sv) {
            total += x * x;
        }
        double target = c.number("energy") * total;
        double acc = 0;
        for (int i = 0; i < full; i++) {
            acc += sv[i] * sv[i];
            if (acc >= target * (1 - 1e-12)) {
                return i + 1;
            }
        }
        return full;
    }
}

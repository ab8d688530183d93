package io.tinyfleet.compression.train;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.HashMap;
import java.util.Map;

/**
 * A double-precision Java reference of the forward ops that have gradient rules (training-mode
 * BatchNormalization), used to finite-difference gradients: float ORT kernels are too noisy.
 */
final class RefEval {

    /** A dense double tensor. */
    record T(double[] d, long[] s) {
        int n() {
            return d.length;
        }
    }

    private RefEval() {
    }

    /** Evaluates the model's first output with {@code values} overriding initializers/inputs. */
    static T run(OnnxModel m, Map<String, T> feed) {
        Map<String, T> v = new HashMap<>();
        Map<String, long[]> longs = new HashMap<>();
        for (TensorProto t : m.graph().getInitializerList()) {
            if (t.getDataType() == TensorProto.DataType.INT64_VALUE) {
                longs.put(t.getName(), Tensors.toLongs(t));
                long[] l = Tensors.toLongs(t);
                double[] d = new double[l.length];
                for (int i = 0; i < l.length; i++) {
                    d[i] = l[i];
                }
                v.put(t.getName(), new T(d, Tensors.dims(t)));
            } else {
                float[] f = Tensors.toFloats(t);
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    d[i] = f[i];
                }
                v.put(t.getName(), new T(d, Tensors.dims(t)));
            }
        }
        v.putAll(feed);
        for (NodeProto n : m.graph().getNodeList()) {
            T x = v.get(n.getInput(0));
            T out = switch (n.getOpType()) {
                case "Add", "Sub", "Mul", "Div" -> binary(n.getOpType(), x, v.get(n.getInput(1)));
                case "Relu" -> map(x, a -> Math.max(a, 0));
                case "LeakyRelu" -> {
                    double al = GradRules.floatAttr(n, "alpha", 0.01f);
                    yield map(x, a -> a > 0 ? a : al * a);
                }
                case "Sigmoid" -> map(x, a -> 1 / (1 + Math.exp(-a)));
                case "Tanh" -> map(x, Math::tanh);
                case "Identity", "Dropout" -> x;
                case "Flatten" -> {
                    long axis = GradRules.intAttr(n, "axis", 1);
                    long a = 1;
                    for (int i = 0; i < axis; i++) {
                        a *= x.s[i];
                    }
                    yield new T(x.d, new long[] {a, x.n() / a});
                }
                case "Reshape" -> reshape(x, longs.get(n.getInput(1)));
                case "Transpose" -> transpose(x, GradRules.intsAttr(n, "perm", null));
                case "Gemm" -> gemm(n, x, v.get(n.getInput(1)), n.getInputCount() > 2 ? v.get(n.getInput(2)) : null);
                case "MatMul" -> matmul(x, v.get(n.getInput(1)));
                case "Softmax", "LogSoftmax" -> softmax(x, n.getOpType().equals("LogSoftmax"));
                case "Concat" -> concat(n, v);
                case "Gather" -> gather(x, longs.get(n.getInput(1)), Tensors.dims(m.initializers().get(n.getInput(1))));
                case "Conv" -> conv(n, x, v.get(n.getInput(1)), n.getInputCount() > 2 ? v.get(n.getInput(2)) : null);
                case "MaxPool", "AveragePool" -> pool(n, x, n.getOpType().equals("MaxPool"));
                case "GlobalAveragePool" -> gap(x);
                case "BatchNormalization" -> bn(n, x, v.get(n.getInput(1)), v.get(n.getInput(2)));
                default -> throw new IllegalArgumentException("reference lacks " + n.getOpType());
            };
            v.put(n.getOutput(0), out);
        }
        return v.get(m.graph().getOutput(0).getName());
    }

    interface D {
        double f(double a);
    }

    static T map(T x, D f) {
        double[] o = new double[x.n()];
        for (int i = 0; i < o.length; i++) {
            o[i] = f.f(x.d[i]);
        }
        return new T(o, x.s);
    }

    static long[] strides(long[] s) {
        long[] st = new long[s.length];
        long a = 1;
        for (int i = s.length - 1; i >= 0; i--) {
            st[i] = a;
            a *= s[i];
        }
        return st;
    }

    static T binary(String op, T a, T b) {
        int r = Math.max(a.s.length, b.s.length);
        long[] s = new long[r];
        for (int i = 0; i < r; i++) {
            long da = i - (r - a.s.length) >= 0 ? a.s[i - (r - a.s.length)] : 1;
            long db = i - (r - b.s.length) >= 0 ? b.s[i - (r - b.s.length)] : 1;
            s[i] = Math.max(da, db);
        }
        long n = GradContext.numel(s);
        double[] o = new double[(int) n];
        long[] st = strides(s);
        long[] sa = strides(a.s);
        long[] sb = strides(b.s);
        for (int k = 0; k < n; k++) {
            long ia = 0;
            long ib = 0;
            for (int i = 0; i < r; i++) {
                long c = (k / st[i]) % s[i];
                int ja = i - (r - a.s.length);
                int jb = i - (r - b.s.length);
                if (ja >= 0 && a.s[ja] != 1) {
                    ia += c * sa[ja];
                }
                if (jb >= 0 && b.s[jb] != 1) {
                    ib += c * sb[jb];
                }
            }
            double x = a.d[(int) ia];
            double y = b.d[(int) ib];
            o[k] = switch (op) {
                case "Add" -> x + y;
                case "Sub" -> x - y;
                case "Mul" -> x * y;
                default -> x / y;
            };
        }
        return new T(o, s);
    }

    static T reshape(T x, long[] shape) {
        long[] s = shape.clone();
        long known = 1;
        int neg = -1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 0) {
                s[i] = x.s[i];
            }
            if (s[i] == -1) {
                neg = i;
            } else {
                known *= s[i];
            }
        }
        if (neg >= 0) {
            s[neg] = x.n() / known;
        }
        return new T(x.d, s);
    }

    static T transpose(T x, long[] perm) {
        int r = x.s.length;
        if (perm == null) {
            perm = new long[r];
            for (int i = 0; i < r; i++) {
                perm[i] = r - 1 - i;
            }
        }
        long[] s = new long[r];
        for (int i = 0; i < r; i++) {
            s[i] = x.s[(int) perm[i]];
        }
        long[] st = strides(s);
        long[] sx = strides(x.s);
        double[] o = new double[x.n()];
        for (int k = 0; k < o.length; k++) {
            long src = 0;
            for (int i = 0; i < r; i++) {
                src += ((k / st[i]) % s[i]) * sx[(int) perm[i]];
            }
            o[k] = x.d[(int) src];
        }
        return new T(o, s);
    }

    static T gemm(NodeProto n, T a, T b, T c) {
        boolean ta = GradRules.intAttr(n, "transA", 0) != 0;
        boolean tb = GradRules.intAttr(n, "transB", 0) != 0;
        double alpha = GradRules.floatAttr(n, "alpha", 1f);
        double beta = GradRules.floatAttr(n, "beta", 1f);
        int m = (int) (ta ? a.s[1] : a.s[0]);
        int k = (int) (ta ? a.s[0] : a.s[1]);
        int nn = (int) (tb ? b.s[0] : b.s[1]);
        double[] o = new double[m * nn];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < nn; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a.d[p * m + i] : a.d[i * k + p];
                    double bv = tb ? b.d[j * k + p] : b.d[p * nn + j];
                    sum += av * bv;
                }
                o[i * nn + j] = alpha * sum;
            }
        }
        T y = new T(o, new long[] {m, nn});
        if (c != null) {
            y = binary("Add", y, map(c, v -> beta * v));
        }
        return y;
    }

    static T matmul(T a, T b) {
        int m = (int) a.s[a.s.length - 2];
        int k = (int) a.s[a.s.length - 1];
        int nn = (int) b.s[b.s.length - 1];
        int batchA = a.n() / (m * k);
        int batchB = b.n() / (k * nn);
        int batch = Math.max(batchA, batchB);
        double[] o = new double[batch * m * nn];
        for (int q = 0; q < batch; q++) {
            int oa = batchA == 1 ? 0 : q * m * k;
            int ob = batchB == 1 ? 0 : q * k * nn;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < nn; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) {
                        sum += a.d[oa + i * k + p] * b.d[ob + p * nn + j];
                    }
                    o[q * m * nn + i * nn + j] = sum;
                }
            }
        }
        long[] s = (batchA >= batchB ? a.s : b.s).clone();
        s[s.length - 2] = m;
        s[s.length - 1] = nn;
        return new T(o, s);
    }

    static T softmax(T x, boolean log) {
        int k = (int) x.s[x.s.length - 1];
        double[] o = new double[x.n()];
        for (int r = 0; r < x.n() / k; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, x.d[r * k + j]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += Math.exp(x.d[r * k + j] - max);
            }
            for (int j = 0; j < k; j++) {
                double z = x.d[r * k + j] - max;
                o[r * k + j] = log ? z - Math.log(sum) : Math.exp(z) / sum;
            }
        }
        return new T(o, x.s);
    }

    static T concat(NodeProto n, Map<String, T> v) {
        T first = v.get(n.getInput(0));
        int r = first.s.length;
        int axis = (int) GradRules.intAttr(n, "axis", 0);
        if (axis < 0) {
            axis += r;
        }
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= first.s[i];
        }
        long[] s = first.s.clone();
        s[axis] = 0;
        for (String in : n.getInputList()) {
            s[axis] += v.get(in).s[axis];
        }
        double[] o = new double[(int) GradContext.numel(s)];
        int pos = 0;
        for (long q = 0; q < outer; q++) {
            for (String in : n.getInputList()) {
                T t = v.get(in);
                int chunk = (int) (t.n() / outer);
                System.arraycopy(t.d, (int) (q * chunk), o, pos, chunk);
                pos += chunk;
            }
        }
        return new T(o, s);
    }

    static T gather(T data, long[] idx, long[] idxShape) {
        int row = (int) (data.n() / data.s[0]);
        double[] o = new double[idx.length * row];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(data.d, (int) idx[i] * row, o, i * row, row);
        }
        long[] s = new long[idxShape.length + data.s.length - 1];
        System.arraycopy(idxShape, 0, s, 0, idxShape.length);
        System.arraycopy(data.s, 1, s, idxShape.length, data.s.length - 1);
        return new T(o, s);
    }

    static T conv(NodeProto n, T x, T w, T b) {
        long[] st = GradRules.intsAttr(n, "strides", new long[] {1, 1});
        long[] dl = GradRules.intsAttr(n, "dilations", new long[] {1, 1});
        long[] p = GradRules.intsAttr(n, "pads", new long[] {0, 0, 0, 0});
        int g = (int) GradRules.intAttr(n, "group", 1);
        int nb = (int) x.s[0], c = (int) x.s[1], h = (int) x.s[2], wd = (int) x.s[3];
        int o = (int) w.s[0], cg = (int) w.s[1], kh = (int) w.s[2], kw = (int) w.s[3];
        int og = o / g;
        int ho = (int) ((h + p[0] + p[2] - dl[0] * (kh - 1) - 1) / st[0] + 1);
        int wo = (int) ((wd + p[1] + p[3] - dl[1] * (kw - 1) - 1) / st[1] + 1);
        double[] out = new double[nb * o * ho * wo];
        for (int q = 0; q < nb; q++) {
            for (int oc = 0; oc < o; oc++) {
                int grp = oc / og;
                for (int y = 0; y < ho; y++) {
                    for (int xx = 0; xx < wo; xx++) {
                        double s = b == null ? 0 : b.d[oc];
                        for (int ci = 0; ci < cg; ci++) {
                            int ch = grp * cg + ci;
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = (int) (y * st[0] - p[0] + ky * dl[0]);
                                if (iy < 0 || iy >= h) {
                                    continue;
                                }
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = (int) (xx * st[1] - p[1] + kx * dl[1]);
                                    if (ix < 0 || ix >= wd) {
                                        continue;
                                    }
                                    s += x.d[((q * c + ch) * h + iy) * wd + ix] * w.d[((oc * cg + ci) * kh + ky) * kw + kx];
                                }
                            }
                        }
                        out[((q * o + oc) * ho + y) * wo + xx] = s;
                    }
                }
            }
        }
        return new T(out, new long[] {nb, o, ho, wo});
    }

    static T pool(NodeProto n, T x, boolean max) {
        long[] k = GradRules.intsAttr(n, "kernel_shape", null);
        long[] st = GradRules.intsAttr(n, "strides", new long[] {1, 1});
        long[] p = GradRules.intsAttr(n, "pads", new long[] {0, 0, 0, 0});
        boolean includePad = GradRules.intAttr(n, "count_include_pad", 0) != 0;
        int nb = (int) x.s[0], c = (int) x.s[1], h = (int) x.s[2], wd = (int) x.s[3];
        int ho = (int) ((h + p[0] + p[2] - k[0]) / st[0] + 1);
        int wo = (int) ((wd + p[1] + p[3] - k[1]) / st[1] + 1);
        double[] out = new double[nb * c * ho * wo];
        for (int q = 0; q < nb * c; q++) {
            for (int y = 0; y < ho; y++) {
                for (int xx = 0; xx < wo; xx++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int cnt = 0;
                    for (int ky = 0; ky < k[0]; ky++) {
                        for (int kx = 0; kx < k[1]; kx++) {
                            int iy = (int) (y * st[0] - p[0] + ky);
                            int ix = (int) (xx * st[1] - p[1] + kx);
                            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) {
                                if (includePad) {
                                    cnt++;
                                }
                                continue;
                            }
                            double val = x.d[(q * h + iy) * wd + ix];
                            acc = max ? Math.max(acc, val) : acc + val;
                            cnt++;
                        }
                    }
                    out[(q * ho + y) * wo + xx] = max ? acc : acc / cnt;
                }
            }
        }
        return new T(out, new long[] {nb, c, ho, wo});
    }

    static T gap(T x) {
        int area = (int) (x.s[2] * x.s[3]);
        double[] o = new double[(int) (x.s[0] * x.s[1])];
        for (int i = 0; i < o.length; i++) {
            double s = 0;
            for (int j = 0; j < area; j++) {
                s += x.d[i * area + j];
            }
            o[i] = s / area;
        }
        return new T(o, new long[] {x.s[0], x.s[1], 1, 1});
    }

    static T bn(NodeProto n, T x, T gamma, T beta) {
        double eps = GradRules.floatAttr(n, "epsilon", 1e-5f);
        int nb = (int) x.s[0], c = (int) x.s[1];
        int area = x.n() / (nb * c);
        double[] o = new double[x.n()];
        for (int ch = 0; ch < c; ch++) {
            double m = 0;
            for (int q = 0; q < nb; q++) {
                for (int j = 0; j < area; j++) {
                    m += x.d[(q * c + ch) * area + j];
                }
            }
            m /= nb * area;
            double var = 0;
            for (int q = 0; q < nb; q++) {
                for (int j = 0; j < area; j++) {
                    double dd = x.d[(q * c + ch) * area + j] - m;
                    var += dd * dd;
                }
            }
            var /= nb * area;
            double inv = 1 / Math.sqrt(var + eps);
            for (int q = 0; q < nb; q++) {
                for (int j = 0; j < area; j++) {
                    int i = (q * c + ch) * area + j;
                    o[i] = (x.d[i] - m) * inv * gamma.d[ch] + beta.d[ch];
                }
            }
        }
        return new T(o, x.s);
    }
}

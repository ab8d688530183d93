package io.tinyfleet.runtime.model;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Conversions between ONNX {@link TensorProto}s and Java arrays.
 *
 * <p>Writers store little-endian {@code raw_data} (what ONNX Runtime reads fastest); readers
 * accept both {@code raw_data} and the typed repeated fields that older exporters use.
 */
public final class Tensors {

    private Tensors() {
    }

    /** Number of elements given by the tensor's dims (1 for a scalar). */
    public static long numel(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }

    /** The dims as an array. */
    public static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** Whether the element type is a floating-point type this class can read as floats. */
    public static boolean isFloating(TensorProto t) {
        int dt = t.getDataType();
        return dt == DataType.FLOAT_VALUE || dt == DataType.DOUBLE_VALUE || dt == DataType.FLOAT16_VALUE;
    }

    /**
     * Reads a FLOAT, DOUBLE or FLOAT16 tensor as floats.
     *
     * @throws IllegalArgumentException naming the tensor when its type is not floating point or
     *                                  its data does not match its dims
     */
    public static float[] toFloats(TensorProto t) {
        int n = Math.toIntExact(numel(t));
        float[] out = new float[n];
        int dt = t.getDataType();
        if (dt == DataType.FLOAT_VALUE) {
            if (!t.getRawData().isEmpty()) {
                checkRaw(t, n, 4);
                t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            } else {
                checkCount(t, t.getFloatDataCount(), n);
                for (int i = 0; i < n; i++) {
                    out[i] = t.getFloatData(i);
                }
            }
        } else if (dt == DataType.DOUBLE_VALUE) {
            if (!t.getRawData().isEmpty()) {
                checkRaw(t, n, 8);
                var b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.get(i);
                }
            } else {
                checkCount(t, t.getDoubleDataCount(), n);
                for (int i = 0; i < n; i++) {
                    out[i] = (float) t.getDoubleData(i);
                }
            }
        } else if (dt == DataType.FLOAT16_VALUE) {
            if (!t.getRawData().isEmpty()) {
                checkRaw(t, n, 2);
                var b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = halfToFloat(b.get(i));
                }
            } else {
                checkCount(t, t.getInt32DataCount(), n);
                for (int i = 0; i < n; i++) {
                    out[i] = halfToFloat((short) t.getInt32Data(i));
                }
            }
        } else {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' is "
                    + DataType.forNumber(dt) + ", not a floating-point type");
        }
        return out;
    }

    /**
     * IEEE 754 half precision to float (the JDK has this only from Java 20 on).
     */
    public static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Float to IEEE 754 half precision, rounding to nearest even (saturates to infinity). */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            mant |= 0x800000;
            int shift = 14 - e;
            int half = mant >> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
            half++;
        }
        return (short) (sign | half);
    }

    /** Reads an INT64 tensor (raw or typed). */
    public static long[] toLongs(TensorProto t) {
        int n = Math.toIntExact(numel(t));
        if (t.getDataType() != DataType.INT64_VALUE) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' is "
                    + DataType.forNumber(t.getDataType()) + ", not INT64");
        }
        long[] out = new long[n];
        if (!t.getRawData().isEmpty()) {
            checkRaw(t, n, 8);
            t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        } else {
            checkCount(t, t.getInt64DataCount(), n);
            for (int i = 0; i < n; i++) {
                out[i] = t.getInt64Data(i);
            }
        }
        return out;
    }

    /** A FLOAT tensor with little-endian raw data. */
    public static TensorProto floats(String name, long[] dims, float[] data) {
        checkShape(name, dims, data.length);
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return raw(name, DataType.FLOAT, dims, b.array());
    }

    /** An INT64 tensor with little-endian raw data. */
    public static TensorProto longs(String name, long[] dims, long[] data) {
        checkShape(name, dims, data.length);
        ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(data);
        return raw(name, DataType.INT64, dims, b.array());
    }

    /** An INT32 tensor with little-endian raw data. */
    public static TensorProto ints(String name, long[] dims, int[] data) {
        checkShape(name, dims, data.length);
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(data);
        return raw(name, DataType.INT32, dims, b.array());
    }

    /** A tensor of any one-byte type (INT8, UINT8) from bytes. */
    public static TensorProto bytes(String name, DataType type, long[] dims, byte[] data) {
        if (type != DataType.INT8 && type != DataType.UINT8 && type != DataType.BOOL) {
            throw new IllegalArgumentException("bytes() takes a one-byte type, not " + type);
        }
        checkShape(name, dims, data.length);
        return raw(name, type, dims, data.clone());
    }

    /** A tensor with the given raw little-endian bytes, taken as they are. */
    public static TensorProto raw(String name, DataType type, long[] dims, byte[] rawData) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
        for (long d : dims) {
            b.addDims(d);
        }
        return b.setRawData(ByteString.copyFrom(rawData)).build();
    }

    private static void checkShape(String name, long[] dims, int length) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException("tensor '" + name + "': dims hold " + n
                    + " elements but " + length + " were given");
        }
    }

    private static void checkRaw(TensorProto t, int n, int width) {
        if (t.getRawData().size() != (long) n * width) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "': raw data has "
                    + t.getRawData().size() + " bytes, dims need " + ((long) n * width));
        }
    }

    private static void checkCount(TensorProto t, int count, int n) {
        if (count != n) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "': " + count
                    + " values stored, dims need " + n);
        }
    }

    /** The row-major {@code rows x cols} matrix {@code a} transposed: a new row-major {@code cols x rows} array. */
    public static float[] transposed(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }
}

package io.tinyfleet.server.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import com.google.protobuf.WireFormat;
import io.tinyfleet.proto.v1.ModelBundle;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.Tensors;
import io.tinyfleet.runtime.model.WireSize;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ArtifactStoreTest {

    @Test
    void bundleCuts_areTheModelsCutsInsideTheBundle_plusWhereTheShardBegins() {
        byte[] raw = new byte[3000];
        new Random(1).nextBytes(raw);
        byte[] model = new GraphBuilder("m", 17).input("x", DataType.FLOAT, 1, 4).output("y", DataType.FLOAT, 1, 4)
                .initializer(Tensors.raw("w", DataType.UINT8, new long[] {raw.length}, raw))
                .node("Identity", List.of("x"), List.of("y")).build().toBytes();
        byte[] bundle = ModelBundle.newBuilder().setModel(ByteString.copyFrom(model))
                .setEvalShardFile(ByteString.copyFrom(new byte[] {1, 2, 3})).build().toByteArray();
        int[] inModel = WireSize.modelCuts(model);
        int[] cuts = ArtifactStore.bundleCuts(model);
        assertEquals(2, inModel.length);
        assertEquals(3, cuts.length);
        assertArrayEquals(Arrays.copyOfRange(model, inModel[0], inModel[1]), Arrays.copyOfRange(bundle, cuts[0], cuts[1]));
        // the shard field's tag: field 3, length-delimited
        assertEquals(ModelBundle.EVAL_SHARD_FILE_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED, bundle[cuts[2]]);
    }
}

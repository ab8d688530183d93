package io.tinyfleet.compression.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tinyfleet.compression.TechniqueRegistry;
import io.tinyfleet.compression.TinyModels;
import io.tinyfleet.runtime.model.OnnxModel;
import org.junit.jupiter.api.Test;

class ProvenanceFamilyTest {

    @Test
    void family_isTheArchitecture_andSurvivesChainedPipelines() {
        OnnxModel base = TinyModels.mlp().withMetadata(Provenance.ARCH_KEY, "mlp:width=1");
        assertEquals("mlp:width=1", Provenance.family(base));

        var ctx = io.tinyfleet.compression.TechniqueContractTestAccess.context("mlp");
        OnnxModel once = Pipeline.parse("prune:sparsity=0.5", TechniqueRegistry.standard())
                .run(base, ctx, ModelMeasurer.NONE, line -> { }).model();
        OnnxModel twice = Pipeline.parse("quantize:fp16", TechniqueRegistry.standard())
                .run(once.withMetadata(Provenance.ARCH_KEY, "overwritten-arch"), ctx, ModelMeasurer.NONE, line -> { })
                .model();

        assertEquals("mlp:width=1", once.metadata().get(Provenance.FAMILY_KEY));
        assertEquals("mlp:width=1", twice.metadata().get(Provenance.FAMILY_KEY), "a recorded family wins over the arch");
    }

    @Test
    void family_fallsBackToTheShortId_withoutArchitecture() {
        OnnxModel plain = TinyModels.matmul();
        assertEquals(Provenance.id(plain).substring(0, 12), Provenance.family(plain));
    }
}

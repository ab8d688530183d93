package io.tinyfleet.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class TensorsTest {

    @Test
    void transposed_turnsRowsIntoColumns_andBack() {
        float[] a = {1, 2, 3, 4, 5, 6}; // 2 x 3
        float[] t = Tensors.transposed(a, 2, 3);
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t); // 3 x 2
        assertArrayEquals(a, Tensors.transposed(t, 3, 2));
    }
}

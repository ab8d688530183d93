package io.tinyfleet.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WireSizeTest {

    @Test
    void zstd_roundTrips_andShrinksRedundantBytes() {
        byte[] zeros = new byte[100_000];
        byte[] packed = WireSize.zstd(zeros);
        assertTrue(packed.length < 1_000, "zeros compress to " + packed.length);
        assertArrayEquals(zeros, Zstd.decompress(packed, zeros.length));
        assertEquals(packed.length, WireSize.zstdBytes(zeros));
    }

    @Test
    void zstdBytes_barelyShrinksRandomBytes() {
        byte[] noise = new byte[50_000];
        new Random(3).nextBytes(noise);
        assertTrue(WireSize.zstdBytes(noise) >= noise.length, "random data does not compress");
    }

    @Test
    void zstdBytes_refusesAnUnknownLevel() {
        assertThrows(IllegalArgumentException.class, () -> WireSize.zstdBytes(new byte[1], 30));
    }
}

package io.tinyfleet.runtime.sensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import oshi.hardware.PowerSource;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OshiBatteryMeterTest {

    /** An OSHI power source answering from a map of method name to value. */
    private static PowerSource source(Map<String, Object> answers) {
        return (PowerSource) Proxy.newProxyInstance(PowerSource.class.getClassLoader(), new Class<?>[] {PowerSource.class},
                (proxy, method, args) -> answers.getOrDefault(method.getName(),
                        method.getReturnType() == boolean.class ? Boolean.FALSE : null));
    }

    @Test
    void read_convertsOshiMilliwattsDischargeRateToWatts() throws Exception {
        PowerSource bat = source(Map.of("getName", "InternalBattery-0", "isDischarging", true,
                "getPowerUsageRate", -8250.0, "updateAttributes", true));
        PowerMeter m = new OshiBatteryMeter(bat);
        assertEquals("measured:battery:InternalBattery-0", m.source());
        assertEquals(8.25, m.read(), 1e-12);
    }

    @Test
    void read_isUnknown_whenOnMainsOrWithoutRate() {
        PowerSource charging = source(Map.of("getName", "BAT0", "isDischarging", false, "updateAttributes", true));
        SensorReadException e = assertThrows(SensorReadException.class, () -> new OshiBatteryMeter(charging).read());
        assertTrue(e.getMessage().startsWith("BAT0 is not discharging"), e.getMessage());
        PowerSource noRate = source(Map.of("getName", "BAT0", "isDischarging", true, "getPowerUsageRate", 0.0,
                "updateAttributes", true));
        e = assertThrows(SensorReadException.class, () -> new OshiBatteryMeter(noRate).read());
        assertEquals("OSHI reports no discharge rate for BAT0", e.getMessage());
    }

    @Test
    void fallback_isUsedOnlyWithoutSysfsPowerSupply(@TempDir Path tmp) {
        PowerSource bat = source(Map.of("getName", "InternalBattery-0", "isDischarging", true,
                "getPowerUsageRate", -5000.0, "updateAttributes", true));
        assertEquals("measured:battery:InternalBattery-0",
                OshiBatteryMeter.fallback(tmp.resolve("sys"), () -> List.of(bat)).orElseThrow().source());
        assertTrue(OshiBatteryMeter.fallback(Fixtures.roots("laptop-battery").sys(), () -> List.of(bat)).isEmpty(),
                "where sysfs lists power supplies, sysfs decides");
    }
}

package io.tinyfleet.runtime.sensors;

import java.nio.file.Path;

/**
 * The aggregate {@code cpu} line of {@code /proc/stat}: busy and total jiffies, and how many CPUs
 * the kernel lists. Busy is user + nice + system + irq + softirq + steal (guest time is already
 * part of user); idle is idle + iowait.
 *
 * @param busy  busy jiffies since boot, all CPUs
 * @param total busy + idle jiffies since boot, all CPUs
 * @param cpus  number of {@code cpuN} lines
 */
record CpuTicks(long busy, long total, int cpus) {

    static CpuTicks read(Sysfs fs, Path procStat) throws SensorReadException {
        return parse(fs.text(procStat), procStat.toString());
    }

    static CpuTicks parse(String stat, String origin) throws SensorReadException {
        long busy = -1;
        long total = -1;
        int cpus = 0;
        int start = 0;
        // the cpu lines come first; stop at the first other line (intr is long)
        while (start < stat.length() && stat.startsWith("cpu", start)) {
            int end = stat.indexOf('\n', start);
            if (end < 0) {
                end = stat.length();
            }
            String line = stat.substring(start, end);
            if (line.startsWith("cpu ")) {
                long[] bt = busyAndTotal(line, origin);
                busy = bt[0];
                total = bt[1];
            } else if (line.length() > 3 && Character.isDigit(line.charAt(3))) {
                cpus++;
            }
            start = end + 1;
        }
        if (busy < 0 || cpus == 0) {
            throw new SensorReadException("no cpu lines in " + origin);
        }
        return new CpuTicks(busy, total, cpus);
    }

    /**
     * {busy, total} jiffies of one {@code cpu}/{@code cpuN} line. Tokenised by hand, without
     * regular expressions: at 1 Hz this code never gets JIT-compiled, and interpreted regex
     * splitting was most of a sample's cost.
     */
    static long[] busyAndTotal(String line, String origin) throws SensorReadException {
        long[] v = new long[9];
        int field = -1;
        int i = 0;
        int n = line.length();
        while (i < n && field < v.length) {
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            if (i >= n) {
                break;
            }
            int from = i;
            while (i < n && line.charAt(i) != ' ') {
                i++;
            }
            if (field >= 0) {
                long x = 0;
                for (int k = from; k < i; k++) {
                    char c = line.charAt(k);
                    if (c < '0' || c > '9') {
                        throw new SensorReadException("not a number in a cpu line of " + origin + ": " + line);
                    }
                    x = x * 10 + (c - '0');
                }
                v[field] = x;
            }
            field++;
        }
        if (field < 4) {
            throw new SensorReadException("too few fields in a cpu line of " + origin + ": " + line);
        }
        // user nice system idle iowait irq softirq steal guest
        long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
        return new long[] {busy, busy + v[3] + v[4]};
    }

    /** Average number of busy CPUs between {@code before} and this reading; empty interval gives 0. */
    double busyCpusSince(CpuTicks before) {
        long dt = total - before.total;
        if (dt <= 0) {
            return 0;
        }
        return (double) (busy - before.busy) / dt * cpus;
    }
}

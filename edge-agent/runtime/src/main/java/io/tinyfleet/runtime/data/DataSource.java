package io.tinyfleet.runtime.data;

import java.nio.file.Path;

/**
 * What {@code --data} names, resolved: {@code fashion-mnist}, a folder of IDX files, or an eval shard
 * file ({@link EvalShard}), with the preprocessing its spec declares ({@link Preprocessing#DEFAULT} for
 * IDX data, the shard's own for a shard).
 *
 * @param name          how reports name it
 * @param images        the samples of the chosen split
 * @param preprocessing declared preprocessing
 */
public record DataSource(String name, LabeledImages images, Preprocessing preprocessing) {

    /** Resolves {@code data} ({@code split} is ignored for a shard, which holds one split). */
    public static DataSource open(String data, Split split) {
        if (data != null && !data.equalsIgnoreCase("fashion-mnist") && EvalShard.isShard(Path.of(data))) {
            EvalShard s = EvalShard.read(Path.of(data));
            return new DataSource(data, s.images(), s.spec().preprocessing());
        }
        return new DataSource(data, LabeledImages.load(data, split), Preprocessing.DEFAULT);
    }
}

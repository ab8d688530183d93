package io.tinyfleet.compression.search;

import java.time.Duration;

/** Search results over the fake technique runner of {@link SearchTest}, for tests of other packages. */
public final class FakeSearches {

    private FakeSearches() {
    }

    /** An exhaustive search of depth {@code depth} (1..3) over three fake techniques, one device profile. */
    public static SearchResult exhaustive(int depth) {
        return Search.run(SearchTest.tiny(), SearchTest.config(SearchTest.space(depth), new ExhaustiveSearch(),
                Limits.DEFAULT, Duration.ZERO, null), SearchTest.FAKE, SearchTest.EVAL);
    }
}

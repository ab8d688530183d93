/** One class per rollout condition, after hawkBit's {@code rollout/condition} package. */
package io.tinyfleet.server.rollout.condition;

/**
 * Rollouts after Eclipse hawkBit: a deployment goes out in waves (a canary count, then
 * percentages); a {@link io.tinyfleet.server.rollout.RolloutEngine#handleAll()} tick evaluates one
 * condition class per rule (success threshold to advance, error threshold and model gates on
 * measured p95 latency and accuracy to pause) and persists every transition, so a restarted
 * controller continues where it stopped.
 */
package io.tinyfleet.server.rollout;

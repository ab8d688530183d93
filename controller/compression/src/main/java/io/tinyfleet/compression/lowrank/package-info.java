/** Low-rank factorisation of Gemm/MatMul weights and Conv kernels by truncated SVD (EJML). */
package io.tinyfleet.compression.lowrank;

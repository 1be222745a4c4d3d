/*
 * blockcases.c -- the blocked kernels (blockcases.h): every kind of block
 * node the lowering makes -- block products that contract (SpMV, SpMM in
 * two orders and with both operands blocked, SDDMM, masked attention, GCN),
 * elementwise blocks (add, mul, bias, relu), reducer folds (softmax, row
 * sum, residual), accumulators and a transposed writer.
 */
#include <stddef.h>

#include "blockcases.h"

const block_case block_cases[] = {
    {"spmv", "tensor A[N,K] : bcsr(4)\ntensor x[K] : dense\ny[i] = A[i,k] * x[k]\n", NULL},
    {"spmm-ikj", "tensor A[N,K] : bcsr(4)\ntensor B[K,M] : dense\nC[i,j] = A[i,k] * B[k,j]\n", "i,k,j"},
    {"spmm-ijk", "tensor A[N,K] : bcsr(4)\ntensor B[K,M] : dd:1,0\nC[i,j] = A[i,k] * B[k,j]\n", "i,j,k"},
    {"spmm-bb", "tensor A[N,K] : bcsr(4)\ntensor B[K,M] : bcsr(4)\nC[i,j] = A[i,k] * B[k,j]\n", NULL},
    {"sddmm", "tensor M[N,P] : bcsr(4)\ntensor A[N,K] : dense\ntensor B[P,K] : dense\n"
              "S[i,j] = M[i,j] * A[i,k] * B[j,k]\n", NULL},
    {"attention", "tensor M[N,N] : bcsr(4)\ntensor Q[N,D] : dense\ntensor K[N,D] : dense\nscalar scale = 0.125\n"
                  "S[i,j] = mask(M[i,j], Q[i,d] * K[j,d]) * scale\n", NULL},
    {"add", "tensor A[N,M] : bcsr(4)\ntensor B[N,M] : bcsr(4)\nC[i,j] = A[i,j] + B[i,j]\n", NULL},
    {"mul", "tensor A[N,M] : bcsr(4)\ntensor B[N,M] : bcsr(4)\nC[i,j] = A[i,j] * B[i,j]\n", NULL},
    {"bias", "tensor X[N,M] : bcsr(4)\ntensor b[M] : dense\nY[i,j] = X[i,j] + b[j]\n", NULL},
    {"relu", "tensor X[N,M] : bcsr(4)\nY[i,j] = relu(X[i,j] * 2 - 0.5)\n", NULL},
    {"softmax", "tensor S[N,M] : bcsr(4)\nP[i,j] = softmax[j](S[i,j])\n", NULL},
    {"row-sum-times", "tensor A[N,K] : bcsr(4)\ntensor B[N,M] : bcsr(4)\nC[i,j] = sum[k](A[i,k]) * B[i,j]\n", NULL},
    {"residual", "tensor A[N,K] : bcsr(4)\ntensor x[K] : dense\ntensor b[N] : dense\nr[i] = b[i] - A[i,k] * x[k]\n",
     NULL},
    {"gcn", "tensor A[N,N] : bcsr(4)\ntensor X[N,F] : dense\ntensor W[F,G] : dense\ntensor b[G] : dense\n"
            "tensor XW[N,G] : dd:1,0\nXW[i,j] = X[i,k] * W[k,j]\nH[i,j] = relu(A[i,k] * XW[k,j] + b[j])\n", NULL},
    {"transpose-out", "tensor A[N,M] : bcsr(4)\nC[j,i] = A[i,j] * 3\n", "i,j"},
};

const int block_ncases = (int)(sizeof block_cases / sizeof block_cases[0]);

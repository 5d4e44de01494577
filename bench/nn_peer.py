"""The PyTorch peer of sceval's neural-network classifier (tasks/classify/nn.h),
for bench/classify.sh: the same architecture (input -> 512 -> 256 -> classes,
Linear + BatchNorm1d + Mish per hidden layer), cross-entropy, Adam (lr 1e-4),
mini-batches of 128 shuffled per epoch, a last batch of one cell skipped, and
the validation set scored after every epoch, on the data file written by
`classify_bench gen` (int64 n, d, k; int32 y[n]; float64 x[n*d]): the first
90% of cells train, the rest validate.

usage: nn_peer.py FILE EPOCHS float32|float64
prints key=value lines: epochs, train_cells, epoch_s, epoch_cpu_s, val_accuracy
"""
import sys
import time

import numpy as np
import torch
from torch import nn

path, epochs, dtype = sys.argv[1], int(sys.argv[2]), getattr(torch, sys.argv[3])
n, d, k = map(int, np.fromfile(path, dtype=np.int64, count=3))
y = torch.from_numpy(np.fromfile(path, dtype=np.int32, count=n, offset=24).astype(np.int64))
x = torch.from_numpy(np.fromfile(path, dtype=np.float64, count=n * d, offset=24 + 4 * n)
                     .reshape(n, d)).to(dtype)
nval = n // 10
ntr = n - nval
xtr, ytr, xva, yva = x[:ntr], y[:ntr], x[ntr:], y[ntr:]

torch.manual_seed(1)
layers, width = [], d
for h in (512, 256):
    layers += [nn.Linear(width, h), nn.BatchNorm1d(h), nn.Mish()]
    width = h
net = nn.Sequential(*layers, nn.Linear(width, k)).to(dtype)
opt = torch.optim.Adam(net.parameters(), lr=1e-4)
loss_fn = nn.CrossEntropyLoss()

t0, c0 = time.perf_counter(), time.process_time()
acc = float("nan")
for _ in range(epochs):
    net.train()
    order = torch.randperm(ntr)
    for s in range(0, ntr, 128):
        idx = order[s:s + 128]
        if len(idx) < 2:
            continue
        opt.zero_grad()
        loss_fn(net(xtr[idx]), ytr[idx]).backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        acc = float((net(xva).argmax(1) == yva).double().mean())
t1, c1 = time.perf_counter(), time.process_time()
print("epochs=%d\ntrain_cells=%d\nepoch_s=%.3f\nepoch_cpu_s=%.3f\nval_accuracy=%.6f" % (
    epochs, ntr, (t1 - t0) / epochs, (c1 - c0) / epochs, acc))

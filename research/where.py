"""Where the high scores are: per defect type pixel metrics, image-score percentiles, and the share of the top 1 %
of pixels that lie in defect-free frames and in the 5 % border band. Usage: python3 where.py GRIDS.npz SIGMA"""
import os, sys, numpy as np
from scipy import ndimage
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe import load, to400, metrics
items = load('/tmp/feat/mtd', ())
c = np.load(sys.argv[1]); order = c['order']; sigma = float(sys.argv[2])
maps = {}; 
for n, i in enumerate(order):
    m = to400(c['g%d' % n], items[i], 16)
    maps[i] = ndimage.gaussian_filter(m, sigma) if sigma else m
subs = sorted(set(it['subset'] for it in items))
for s in subs:
    idx = [i for i in maps if items[i]['subset'] == s]
    r = metrics([maps[i] for i in idx], [items[i]['mask'] for i in idx]) if s != 'free' else {}
    mx = np.array([maps[i].max() for i in idx])
    print(s, len(idx), {k: round(v, 1) for k, v in r.items()}, 'imgmax p10/50/90 %.3f %.3f %.3f' % tuple(np.percentile(mx, [10, 50, 90])))
# where are the top pixels: fraction of the top 1% pixels that lie in free images, and in border 5% of image
allv = np.concatenate([maps[i].ravel() for i in maps]); thr = np.percentile(allv, 99)
free = sum((maps[i] > thr).sum() for i in maps if items[i]['subset'] == 'free')
tot = sum((maps[i] > thr).sum() for i in maps)
b = np.zeros((400, 400), bool); b[:20] = b[-20:] = True; b[:, :20] = b[:, -20:] = True
border = sum(((maps[i] > thr) & b).sum() for i in maps)
print('top1%% pixels: in free images %.2f, in 5%% border %.2f' % (free / tot, border / tot))

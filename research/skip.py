"""Decoder skip (issue 16): choose on the tune half the map-max threshold below which a frame gets no SAM decoder call
(the largest value that keeps every tune defect frame above it, times --margin), then count on the validate half
how many frames it skips and how many defect frames it would wrongly skip.
Usage: python3 skip.py tune-maxes.json validate-maxes.json [margin]"""
import json, sys
tune = [f for f in json.load(open(sys.argv[1])) if not f['first']]
val = [f for f in json.load(open(sys.argv[2])) if not f['first']]
margin = float(sys.argv[3]) if len(sys.argv) > 3 else 0.95
t = margin * min(f['max'] for f in tune if f['defect'])
def count(fs):
    skipped = [f for f in fs if f['max'] < t]
    return dict(frames=len(fs), skipped=len(skipped), skippedFraction=round(len(skipped) / len(fs), 3),
                defectFrames=sum(f['defect'] for f in fs), defectFramesSkipped=sum(f['defect'] for f in skipped))
print(json.dumps(dict(threshold=round(t, 5), margin=margin, tune=count(tune), validate=count(val))))

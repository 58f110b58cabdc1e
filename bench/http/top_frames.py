#!/usr/bin/env python3
"""Top frames of a speedscope profile (as written by `jwl profile --format speedscope`): self and inclusive share.

usage: top_frames.py PROFILE.speedscope.json [N]
"""
import json
import sys
from collections import Counter


def main() -> None:
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    frames = [fr.get("name", "?") for fr in doc["shared"]["frames"]]
    self_w, incl_w, total = Counter(), Counter(), 0.0
    for profile in doc["profiles"]:
        if profile.get("type") != "sampled":
            continue
        weights = profile.get("weights") or [1] * len(profile["samples"])
        for stack, w in zip(profile["samples"], weights):
            total += w
            if stack:
                self_w[frames[stack[-1]]] += w
            for name in {frames[i] for i in stack}:
                incl_w[name] += w
    if total == 0:
        print("no samples")
        return
    print(f"{total:.0f} sample weight; top {top} by self time:")
    for name, w in self_w.most_common(top):
        print(f"  {100 * w / total:5.1f}%  {name[:150]}")
    print(f"top {top} by inclusive time:")
    for name, w in incl_w.most_common(top):
        print(f"  {100 * w / total:5.1f}%  {name[:150]}")


if __name__ == "__main__":
    main()

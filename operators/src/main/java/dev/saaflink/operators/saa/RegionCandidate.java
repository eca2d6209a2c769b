package dev.saaflink.operators.saa;

/**
 * A proposed box before segmentation, in original pixel coordinates ({@code x2}, {@code y2} exclusive), with the
 * region generator's score (detector max-token probability, or the stand-in's proposal score) and the prompt or rule
 * that produced it.
 */
public final class RegionCandidate {
    public int x1;
    public int y1;
    public int x2;
    public int y2;
    public double score;
    public String label;

    public RegionCandidate() {}

    public RegionCandidate(int x1, int y1, int x2, int y2, double score, String label) {
        this.x1 = x1;
        this.y1 = y1;
        this.x2 = x2;
        this.y2 = y2;
        this.score = score;
        this.label = label;
    }

    public int boxWidth() {
        return x2 - x1;
    }

    public int boxHeight() {
        return y2 - y1;
    }

    /** Box area normalised by the image area, as the reference's property filter uses it (w*h of normalised cxcywh). */
    public double normalisedArea(int imageWidth, int imageHeight) {
        return ((double) boxWidth() / imageWidth) * ((double) boxHeight() / imageHeight);
    }

    @Override
    public String toString() {
        return "RegionCandidate[" + x1 + "," + y1 + "," + x2 + "," + y2 + " score=" + score + " label=" + label + "]";
    }
}

package dev.saaflink.operators.flink;

import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.FramePart;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.stages.DetectorStage;
import dev.saaflink.operators.stages.EncoderStage;
import dev.saaflink.operators.stages.FeaturesStage;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The models that need only the image, each its own async operator fed by decode, joined by frame: the SAM encoder
 * always (it carries the frame), the detector with {@code regionGenerator: groundingdino}, the WideResNet50 features
 * with {@code saliencyFeatures: wideresnet50} and the stream context off (with it on, the stream-context map replaces
 * the single-instance map of every inspected frame). Their parts meet in {@link FrameJoinFunction}. With the encoder
 * alone (the default config) there is nothing to join: the result is the encoder operator as before, same uid.
 *
 * <pre>
 *          ┌→ SAM encoder (async, carries the frame) ─┐
 * decode ──┼→ GroundingDINO detector (async, boxes) ──┼→ keyBy(frame) → join → …
 *          └→ WideResNet50 features (async, grid) ────┘
 * </pre>
 */
public final class FanOut {

    private FanOut() {}

    /** The branches for these settings, carrier (the SAM encoder) first. */
    public static List<String> branches(PipelineSettings settings) {
        List<String> branches = new ArrayList<>(List.of(EncoderStage.STAGE));
        if (DetectorStage.isBranch(settings)) {
            branches.add(DetectorStage.STAGE);
        }
        if (FeaturesStage.isBranch(settings)) {
            branches.add(FeaturesStage.STAGE);
        }
        return branches;
    }

    /** Adds the branches (and the join when there is more than the encoder) to {@code decoded}'s graph. */
    public static DataStream<FrameInProgress> build(DataStream<FrameInProgress> decoded, PipelineSettings settings) {
        DataStream<FrameInProgress> encoderOut = modelStage(decoded, new SamEncoderFunction(settings), "sam-encoder",
                settings);
        List<String> branches = branches(settings);
        if (branches.size() == 1) {
            return encoderOut;
        }
        DataStream<FramePart> parts = encoderOut
                .map(p -> FramePart.carrier(EncoderStage.STAGE, p)).returns(FramePart.class)
                .name("join-part-sam-encoder").uid("join-part-sam-encoder");
        if (branches.contains(DetectorStage.STAGE)) {
            parts = parts.union(modelStage(decoded, new DetectorFunction(settings), DetectorStage.STAGE, settings)
                    .map(p -> FramePart.output(DetectorStage.STAGE, p)).returns(FramePart.class)
                    .name("join-part-detector").uid("join-part-detector"));
        }
        if (branches.contains(FeaturesStage.STAGE)) {
            parts = parts.union(modelStage(decoded, new FeaturesFunction(settings), FeaturesStage.STAGE, settings)
                    .map(p -> FramePart.output(FeaturesStage.STAGE, p)).returns(FramePart.class)
                    .name("join-part-features").uid("join-part-features"));
        }
        // Keyed by frame: every frame's parts meet in one subtask; state per frame in flight, bounded by the timeout.
        return parts.keyBy(FramePart::key, Types.STRING)
                .process(new FrameJoinFunction(settings, branches)).returns(FrameInProgress.class)
                .name(FrameJoinFunction.STAGE).uid(FrameJoinFunction.STAGE);
    }

    /** One async model operator; its name and uid are the same string. */
    private static SingleOutputStreamOperator<FrameInProgress> modelStage(DataStream<FrameInProgress> in,
                                                                         ModelStageFunction function, String uid,
                                                                         PipelineSettings settings) {
        return AsyncDataStream.unorderedWait(in, function, settings.modelTimeoutMillis, TimeUnit.MILLISECONDS,
                        settings.asyncCapacity)
                .name(uid).uid(uid);
    }
}

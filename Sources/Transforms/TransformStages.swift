import Pipeline

/// Every transform stage type, for the registry: one line each.
public enum TransformStages {
    public static let all: [StageKind] = [
        FilterStage.kind,
        WindowStage.kind,
        DurationStage.kind,
        CountStage.kind,
        DistinctCountStage.kind,
        SumStage.kind,
        MeanStage.kind,
        MinStage.kind,
        MaxStage.kind,
        PercentilesStage.kind,
        RatioStage.kind,
        LatestStage.kind,
        ValueStage.kind,
    ]
}

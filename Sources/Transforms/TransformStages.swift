import Pipeline

/// Every transform stage type, for the registry: one line each.
public enum TransformStages {
    public static let all: [StageKind] = [
        FilterTransform.kind,
        MapTransform.kind,
        WindowTransform.kind,
        DurationTransform.kind,
        CountTransform.kind,
        DistinctCountTransform.kind,
        SumTransform.kind,
        MeanTransform.kind,
        MinTransform.kind,
        MaxTransform.kind,
        PercentilesTransform.kind,
        RatioTransform.kind,
        LatestTransform.kind,
        GroupTransform.kind,
        ValueTransform.kind,
    ]
}

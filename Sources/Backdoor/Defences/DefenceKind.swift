/// The backdoor defences `baiqa defend` runs (spec §10, ../shared/spec/defences-anchors.md).
public enum DefenceKind: String, CaseIterable, Codable, Sendable {
    /// Fine-tuning on the defender's clean set with the victim's own recipe (Liu et al. 2017/2018).
    case finetune
    /// Fine-Pruning: mask the least active last-stage channels, then fine-tune (Liu, Dolan-Gavitt & Garg 2018).
    case fineprune
    /// Adversarial Neuron Pruning: prune BatchNorm neurons by masks learnt under adversarial neuron
    /// perturbations (Wu & Wang 2021).
    case anp

    public var title: String {
        switch self {
        case .finetune: return "fine-tuning"
        case .fineprune: return "fine-pruning"
        case .anp: return "ANP"
        }
    }
}

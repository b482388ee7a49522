/// What reconciliation does to IoT Hub's module identities (§4.7), computed from three sets and nothing else:
/// - *desired*: the principals whose `idtype` contains `module`;
/// - *previous*: the module principals at the last successful reconciliation for the same device (`prev_state`);
/// - the modules IoT Hub lists for the device now.
///
/// For each Hub module, in Hub's order: previous but no longer desired → delete; desired and previous → keep;
/// desired but not previous → delete and create again (identityd takes ownership and rotates the keys). Then every
/// desired module not kept is created, in name order. Modules identityd never created (IoT Edge's own modules, or
/// any module neither desired nor previous) are left alone.
public struct ReconcilePlan: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        /// Was ours, no longer wanted: `Hub identity "m" removed`.
        case remove(String)
        /// Ours and wanted: `Hub identity "m" already exists`.
        case keep(String)
        /// Wanted but not known to be ours: deleted now, created by a later ``create`` step:
        /// `Hub identity "m" will be recreated`.
        case deleteForRecreation(String)
        /// `Hub identity "m" added`.
        case create(String)
    }

    public let steps: [Step]

    public init(hubModules: [String], desired: Set<String>, previous: Set<String>) {
        var steps: [Step] = []
        var toCreate = desired
        for module in hubModules {
            let isDesired = desired.contains(module)
            let isPrevious = previous.contains(module)
            switch (isDesired, isPrevious) {
            case (false, true):
                steps.append(.remove(module))
            case (true, true):
                toCreate.remove(module)
                steps.append(.keep(module))
            case (true, false):
                steps.append(.deleteForRecreation(module))
            case (false, false):
                break
            }
        }
        steps += toCreate.sorted().map { .create($0) }
        self.steps = steps
    }

    /// The log line of a step once it is done.
    public static func logLine(_ step: Step) -> String {
        switch step {
        case .remove(let module): "Hub identity \"\(module)\" removed"
        case .keep(let module): "Hub identity \"\(module)\" already exists"
        case .deleteForRecreation(let module): "Hub identity \"\(module)\" will be recreated"
        case .create(let module): "Hub identity \"\(module)\" added"
        }
    }
}

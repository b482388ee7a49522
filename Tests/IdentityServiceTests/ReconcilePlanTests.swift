import IdentityService
import Testing

@Suite("the reconciliation plan (§4.7), as a pure function of desired, previous and Hub's modules")
struct ReconcilePlanTests {
    @Test("first run: everything desired is created, nothing in Hub is touched")
    func firstRun() {
        let plan = ReconcilePlan(hubModules: ["$edgeAgent", "$edgeHub"], desired: ["b", "a"], previous: [])
        #expect(plan.steps == [.create("a"), .create("b")])
    }

    @Test("ours and still wanted: kept; ours and no longer wanted: removed; foreign modules untouched")
    func keepAndRemove() {
        let plan = ReconcilePlan(hubModules: ["$edgeAgent", "a", "b", "c"], desired: ["a"], previous: ["a", "b"])
        #expect(plan.steps == [.keep("a"), .remove("b")])
    }

    @Test("wanted but not known to be ours (e.g. prev_state lost): deleted, then created again")
    func recreate() {
        let plan = ReconcilePlan(hubModules: ["a", "x"], desired: ["a", "n"], previous: [])
        #expect(plan.steps == [.deleteForRecreation("a"), .create("a"), .create("n")])
    }

    @Test("previous modules gone from Hub are not deleted again; missing desired ones are created")
    func goneFromHub() {
        let plan = ReconcilePlan(hubModules: [], desired: ["a"], previous: ["a", "b"])
        #expect(plan.steps == [.create("a")])
    }

    @Test("Hub's order is kept for deletions; creations are in name order")
    func ordering() {
        let plan = ReconcilePlan(hubModules: ["z", "y", "k"], desired: ["k", "c", "b"], previous: ["z", "y", "k"])
        #expect(plan.steps == [.remove("z"), .remove("y"), .keep("k"), .create("b"), .create("c")])
        #expect(ReconcilePlan.logLine(.keep("k")) == "Hub identity \"k\" already exists")
        #expect(ReconcilePlan.logLine(.remove("z")) == "Hub identity \"z\" removed")
        #expect(ReconcilePlan.logLine(.deleteForRecreation("z")) == "Hub identity \"z\" will be recreated")
        #expect(ReconcilePlan.logLine(.create("b")) == "Hub identity \"b\" added")
    }
}

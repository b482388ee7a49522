import IdentityService
import Testing

@Suite("identityd caller authentication and authorization (§4.3)")
struct AuthorizationTests {
    static let principals = [
        IdentityPrincipal(uid: 1000, name: "edged"),
        IdentityPrincipal(uid: 1001, name: "second-daemon"),
        IdentityPrincipal(uid: 1002, name: "devicereader", idTypes: [.device]),
        IdentityPrincipal(uid: 1003, name: "hubmodule", idTypes: [.module]),
        IdentityPrincipal(uid: 1004, name: "localmodule", idTypes: [.local]),
        IdentityPrincipal(uid: 0, name: "rootprocess", idTypes: [.module]),
    ]

    @Test("uid → caller: principals first (even uid 0), one daemon only, then root, then unknown")
    func authentication() {
        let auth = CallerAuthorization(principals: Self.principals)
        #expect(auth.caller(uid: 1000) == .daemon)
        // The reference honours only the first principal without idtype.
        #expect(auth.caller(uid: 1001) == .unknown)
        #expect(auth.caller(uid: 1002) == .hostProcess(Self.principals[2]))
        #expect(auth.caller(uid: 0) == .hostProcess(Self.principals[5]))
        #expect(auth.caller(uid: 4242) == .unknown)
        #expect(CallerAuthorization(principals: []).caller(uid: 0) == .localRoot)
        #expect(CallerAuthorization(principals: []).caller(uid: 1) == .unknown)
        // A later entry for the same uid replaces an earlier one.
        let replaced = CallerAuthorization(principals: [IdentityPrincipal(uid: 7, name: "a", idTypes: [.device]), IdentityPrincipal(uid: 7, name: "b", idTypes: [.module])])
        #expect(replaced.caller(uid: 7) == .hostProcess(IdentityPrincipal(uid: 7, name: "b", idTypes: [.module])))
    }

    static let operations: [IdentityOperation] = [
        .getDevice, .getModule("hubmodule"), .getModule("localmodule"), .getModule("other"), .getAllHubModules,
        .createModule("x"), .updateModule("x"), .deleteModule("x"), .reprovisionDevice, .getTrustBundle,
    ]

    @Test("the authorization matrix, every caller against every operation")
    func matrix() {
        func allowed(_ caller: Caller) -> [Bool] { Self.operations.map { CallerAuthorization.isAllowed(caller, $0) } }
        let everything = [Bool](repeating: true, count: Self.operations.count)
        #expect(allowed(.localRoot) == everything)
        #expect(allowed(.daemon) == everything)
        //                                  device module(hub) module(local) other  list   create update delete reprov trust
        #expect(allowed(.unknown) ==         [false, false,     false,        false, false, false, false, false, false, true])
        #expect(allowed(.hostProcess(Self.principals[2])) == [true, false, false, false, false, false, false, false, false, true])
        #expect(allowed(.hostProcess(Self.principals[3])) == [false, true, false, false, false, false, false, false, false, true])
        #expect(allowed(.hostProcess(Self.principals[4])) == [false, false, true, false, false, false, false, false, false, true])
        // A host process with every type still may not manage modules.
        let all = IdentityPrincipal(uid: 9, name: "hubmodule", idTypes: [.device, .module, .local])
        #expect(allowed(.hostProcess(all)) == [true, true, false, false, false, false, false, false, false, true])
    }

    @Test("an unknown caller cannot create modules; the default (no principals) makes everyone but root unknown")
    func unknownCannotCreate() {
        #expect(!CallerAuthorization.isAllowed(.unknown, .createModule("")))
        #expect(!CallerAuthorization(principals: []).isAllowed(uid: 1000, .createModule("m")))
        #expect(CallerAuthorization(principals: []).isAllowed(uid: 0, .createModule("m")))
    }
}

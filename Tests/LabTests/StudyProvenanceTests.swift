import Testing
@testable import Lab

/// provenance.json's local_changes looks at the code and configs, not at the results folder the
/// studies themselves rewrite.
@Suite struct StudyProvenanceTests {
    @Test func theResultsFolderIsTheStudyFoldersTopBelowTheWorkingDirectory() {
        #expect(StudyProvenance.resultsRoot("Results/auto", cwd: "/repo") == "Results")
        #expect(StudyProvenance.resultsRoot("./Results/auto/ablation-of-selected", cwd: "/repo") == "Results")
        #expect(StudyProvenance.resultsRoot("/repo/out/study", cwd: "/repo") == "out")
        #expect(StudyProvenance.resultsRoot("/repo/out/study", cwd: "/repo/") == "out")
        #expect(StudyProvenance.resultsRoot("/elsewhere/study", cwd: "/repo") == nil)
        #expect(StudyProvenance.resultsRoot("/repository/study", cwd: "/repo") == nil)
    }
}

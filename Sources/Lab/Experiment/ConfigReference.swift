import Support

/// docs/CONFIG.md, generated from `ExperimentSchema` (a test keeps the committed file current).
public enum ConfigReference {
    public static var markdown: String {
        ConfigDocs.markdown(ExperimentSchema.root, title: "Experiment configuration", intro: intro + "\n\n" + merging + "\n\n" + typeSwitches + "\n\n## Keys")
    }

    static let intro = """
        Generated from the schema in `Sources/Lab/Experiment/ExperimentSchema.swift` and the encoder and fusion \
        registries (`fusionlab validate --docs` prints it). Configs are JSON. Unknown keys and invalid values are errors \
        naming the file (or `--set …`), the key's path and the value found.
        """

    static let merging = """
        ## How layers merge

        A config is built from layers, each laid over the ones before it: the bases named by `extends` (a path or a list \
        of paths, relative to the file; a base's own bases come first) in order, then the file itself, then each \
        `--set key.path=value` in order. Precedence: defaults < bases < file < command line. Every layer is a \
        **JSON Merge Patch** ([RFC 7386](https://www.rfc-editor.org/rfc/rfc7386)) over the layers before it:

        - an object merges key by key, recursively;
        - `null` deletes the key, so its default applies;
        - anything else — a number, a string, a boolean, a list — replaces the value (a list is never merged item by item).

        `--set a.b=V` is the patch `{"a": {"b": V}}` (V is read as JSON when it parses, else as a string), so the command \
        line follows the same rule as files: `--set x=null` deletes `x`. No key holds `null` once the layers are merged (a \
        resolved config, such as a run's `config.json`, shows an absent optional value as `null`, and that reads back \
        the same), so a field whose default is on has a value of its own for off (`training.clip_norm: 0`; the table says \
        "`0`: off"). Two spellings mean something else under merge patch than they seem to, so `validate` and `run` print \
        a note naming the file or `--set`, the key's path and the value: `{}` over a non-empty object (it changes \
        nothing), and `null` for a field that has an off value (it brings the default back).

        Example: `Configs/models/consistency-heads.json` declares seven consistency heads. A derived file that drops them \
        all and switches gradient clipping off:

        ```json
        {
          "extends": "../Configs/models/consistency-heads.json",
          "model": {"consistency": {"heads": null, "epochs": 20}},
          "training": {"clip_norm": 0}
        }
        ```

        `"heads": null` deletes the base's heads, so the default `{}` applies: no heads; `epochs` merges in beside the \
        base's other `consistency` keys. `"heads": {}` instead would keep all seven heads (an empty object merges \
        nothing), with the note

        ```
        note: e.json: model.consistency.heads: {} over a non-empty object changes nothing under JSON Merge Patch; did you mean null (remove it, default {})?
        ```

        On the command line `--set model.consistency.heads=null` removes them the same way (`--set \
        model.consistency.heads={}` is the same no-op, with the same note naming that `--set`), and \
        `--set model.consistency.heads.image_brand=null` removes one head. `"clip_norm": null` does not switch clipping \
        off: it deletes the key, so the default `1` applies, with a note suggesting `0`.
        """

    static let typeSwitches = """
        **Switching a `type`**: when a later layer (a derived file, a `--set`, a variant) changes an object's `type`, the \
        options it inherited from earlier layers that the new type does not accept are dropped, with a note (`validate` \
        and `run` print it); inherited options the new type accepts are kept, and an invalid option given in the same \
        layer as the new type, or later, is an error. So `--set model.encoders.sequence.type=gru` works on a Transformer \
        config (its `heads`, `feedforward` and `pooling: "mean"` are dropped; `layers` is kept). **Variants**: a variant \
        (`variants`) is exactly the config that the same `--set` list gives on the command line: its overrides are laid \
        over the merged files as merge patches before defaults are filled in, so switching `training.optimizer.type` to \
        `sgd` gets SGD's own default `lr` and `weight_decay`, and `"model.consistency.heads=null"` gives a variant \
        without heads.
        """
}

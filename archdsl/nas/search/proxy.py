"""The built-in proxy evaluator: train a few steps on the user's dataset, report validation metrics.

Options (`-O name=value` on the command line): `dataset` (required) names a `module:function`
returning a `tf.data.Dataset` of `(images, labels)` batches with integer labels; `classes`
(required) is the number of labels; `steps` (default 20) training steps, `val_steps` (default 2)
batches held out from the start of the dataset for validation, `learning_rate` (default 1e-3).
The head is the one a proxy task needs and nothing more: global average pooling of every output of
the candidate, concatenated, and one dense layer of logits. Adam, sparse categorical cross-entropy
and accuracy are Keras's own.
"""

from __future__ import annotations

from typing import Any


def evaluate(model: Any, arch: Any, dataset: str | None = None, classes: int | None = None, steps: int = 20,
             val_steps: int = 2, learning_rate: float = 1e-3, **unknown: Any) -> dict[str, float]:
    """`val_accuracy` (maximised by default) and `val_loss` after `steps` training steps."""
    if unknown:
        raise TypeError(f"the proxy evaluator has no option {', '.join(sorted(unknown))}; "
                        "options: dataset, classes, steps, val_steps, learning_rate")
    if dataset is None or classes is None:
        raise TypeError("the proxy evaluator needs -O dataset=module:function and -O classes=N")
    import tf_keras as keras

    from archdsl.nas.search.trial import resolve

    data = resolve(dataset)()
    outputs = model.outputs
    pooled = [keras.layers.GlobalAveragePooling2D()(t) for t in outputs]
    features = pooled[0] if len(pooled) == 1 else keras.layers.Concatenate()(pooled)
    logits = keras.layers.Dense(int(classes))(features)
    clf = keras.Model(model.inputs, logits)
    clf.compile(keras.optimizers.Adam(float(learning_rate)),
                keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    clf.fit(data.skip(int(val_steps)).repeat(), steps_per_epoch=int(steps), epochs=1, verbose=0)
    loss, accuracy = clf.evaluate(data.take(int(val_steps)), verbose=0)
    return {"val_accuracy": float(accuracy), "val_loss": float(loss)}

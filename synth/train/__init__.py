"""Training, beside the pipeline: OT / KD distillation of the encoder, its losses and evaluation, and the verifier's
trainers. It imports the product's pieces; nothing in the product imports it."""

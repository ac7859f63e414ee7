"""Question-passage cosine scale per encoder: on-topic vs off-topic questions over a corpus (why relevance is no longer
an absolute cosine: each encoder has its own scale; see synth/judge/relevance.py).

Usage: python bench/relevance_scale.py DB [ENCODER ...]
"""
import numpy as np, sys
from synth.config import Settings
from synth.store import Store
from synth.index.encoders import load_encoder
from synth.index.encoders.cache import embed
s=Settings.from_env()
st=Store(sys.argv[1])
texts=[r['text'] for r in st.db.query("select text from passages")]
qs=["How does the performance of optimal transport distillation compare to knowledge distillation in cross-lingual retrieval on XTREME-R for low-resource languages when using the same student model size?",
"Does multilingual pre-training help zero-shot cross-lingual question answering?",
"What is the best temperature for baking sourdough bread?",
"How did the Roman empire collect taxes in Egypt?",
"Which football club won the most Premier League titles?"]
for n in sys.argv[2:] or ['e5-small','optical','kd','optical-kd']:
    e=load_encoder(n,s)
    P=embed(st,e,texts,'passage')
    Q=embed(st,e,qs,'query')
    for q,v in zip(qs,Q):
        c=P@v; print(n, q[:40], 'max %.3f p95 %.3f mean %.3f'%(c.max(), np.percentile(c,95), c.mean()))

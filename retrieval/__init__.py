"""Item index, candidates, ranking, the recommend()/observe() API and evaluation."""

"""French tax receipts (reçus fiscaux, CERFA 11580 and 16216) of the gifts
of connexion_donation: issued, printed, e-mailed, cancelled and replaced."""

"""qual"""
